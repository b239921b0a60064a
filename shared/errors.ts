/**
 * Every error Kafky reports, on the wire (`error` and `rejected` frames) and inside
 * each side. Codes are part of the protocol: add freely, never rename.
 */
export const ERROR_CODES = [
  'bad_json',
  'invalid_message',
  'unknown_message_type',
  'invalid_event',
  'unknown_event_type',
  'frame_too_large',
  'protocol_mismatch',
  'not_ready',
  'storage_failed',
  'storage_full',
  'internal',
  'not_subscribed',
  'no_author',
  'event_too_large',
  // Limits a relay enforces (docs/operations.md).
  'rate_limited',
  'push_too_large',
  'too_many_rooms',
  'too_many_connections',
  'origin_not_allowed',
  'shutting_down',
  // Identity and room capabilities (docs/security.md).
  'not_authenticated',
  'auth_failed',
  'wrong_author',
  'unsigned_event',
  'bad_signature',
  'room_denied',
  'token_required',
  'invalid_token',
  'signing_unsupported',
  // The relay's REST API (docs/rest-api.md).
  'not_found',
  'unknown_room',
  'invalid_cursor',
  'invalid_limit',
  'invalid_body',
  'body_too_large',
  'idempotency_key_missing',
  'invalid_idempotency_key',
  'idempotency_key_reused',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class KafkyError extends Error {
  override readonly name: string = 'KafkyError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Turns anything thrown into a KafkyError without losing the original. */
export function toKafkyError(error: unknown, fallback: ErrorCode = 'internal'): KafkyError {
  if (error instanceof KafkyError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KafkyError(fallback, message, { cause: error });
}
