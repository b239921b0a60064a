import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { KafkyError, toKafkyError, type ErrorCode } from '../../shared/index.ts';
import type { RelayLogger } from '../sync/socket.ts';

/** The HTTP status of each error the API answers with; anything else is a 500. */
const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  not_found: 404,
  unknown_room: 404,
  bad_json: 400,
  invalid_body: 400,
  invalid_event: 400,
  invalid_cursor: 400,
  invalid_limit: 400,
  idempotency_key_missing: 400,
  invalid_idempotency_key: 400,
  body_too_large: 413,
  event_too_large: 413,
  idempotency_key_reused: 422,
  unsigned_event: 401,
  bad_signature: 401,
  token_required: 401,
  invalid_token: 401,
  room_denied: 403,
  rate_limited: 429,
  shutting_down: 503,
  storage_failed: 503,
  storage_full: 507,
};

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code] ?? 500;
}

/** Throws a KafkyError for the API's error handler to answer as JSON. */
export function refuse(code: ErrorCode, message: string): never {
  throw new KafkyError(code, message);
}

/**
 * Answers whatever a route threw as `{code, message}` with the code's status. What is not
 * a KafkyError is a bug: the operator hears of it, the caller gets `internal`.
 */
export function errorHandler(logger: RelayLogger) {
  return (error: Error, c: Context) => {
    const failure = toKafkyError(error);
    const status = statusOf(failure.code);
    if (status >= 500) {
      logger.error('relay: API request failed', {
        method: c.req.method,
        path: c.req.path,
        code: failure.code,
        error: failure.message,
      });
    }
    return c.json({ code: failure.code, message: failure.message }, status);
  };
}
