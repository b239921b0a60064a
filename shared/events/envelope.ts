import {
  authorIdSchema,
  eventIdSchema,
  roomIdSchema,
  seqSchema,
  signatureSchema,
  timeSchema,
  type FromSchema,
  type JSONSchema,
} from '../schema.ts';

/** Fields every event carries, whatever its type; set by the client that writes it. */
const envelopeProperties = {
  id: eventIdSchema,
  room: roomIdSchema,
  author: authorIdSchema,
  /** The writer's clock, in ms since the epoch: for display only, never for order. */
  ts: timeSchema,
  /**
   * The author's Ed25519 signature over the envelope and the payload's hash (see
   * shared/crypto/signing.ts). Optional in the schema only because logs written before
   * signing hold events without one: a relay refuses an unsigned push, and peers refuse
   * to project an event whose signature is missing or wrong.
   */
  sig: signatureSchema,
} as const;

const envelopeRequired = ['id', 'type', 'v', 'room', 'author', 'ts', 'payload'] as const;

/**
 * Any event, of a type this code may not know: what the relay forwards and what a
 * store keeps. Its payload is checked only by the schema of its own type.
 */
export const anyEventSchema = {
  type: 'object',
  additionalProperties: false,
  required: envelopeRequired,
  properties: {
    ...envelopeProperties,
    type: { type: 'string', pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$', maxLength: 64 },
    v: { type: 'integer', minimum: 1, maximum: 1000 },
    payload: { type: 'object' },
  },
} as const;
export type AnyEvent = FromSchema<typeof anyEventSchema>;

/** An event once the relay has given it its place: the room's sequence and the relay's time. */
export const sequencedEventSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...envelopeRequired, 'seq', 'rts'],
  properties: {
    ...anyEventSchema.properties,
    seq: seqSchema,
    rts: timeSchema,
  },
} as const;
export type SequencedEvent = FromSchema<typeof sequencedEventSchema>;

/** Builds the schema of one version of one event type around its payload's schema. */
export function defineEvent<
  const T extends string,
  const V extends number,
  const P extends JSONSchema & object,
>(type: T, v: V, payload: P) {
  return {
    $id: `kafky:event/${type}/v${v}`,
    type: 'object',
    additionalProperties: false,
    required: envelopeRequired,
    properties: {
      ...envelopeProperties,
      type: { const: type },
      v: { const: v },
      payload,
    },
  } as const;
}
