import { LIMITS } from '../limits.ts';
import { anyEventSchema } from '../events/envelope.ts';
import {
  authorIdSchema,
  cursorSchema,
  keySchema,
  roomIdSchema,
  signatureSchema,
  type FromSchema,
} from '../schema.ts';

/** First frame on every connection. */
export const helloSchema = {
  $id: 'kafky:msg/hello',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'protocol'],
  properties: {
    type: { const: 'hello' },
    protocol: { type: 'integer', minimum: 1 },
    /** Free text for the relay's logs, e.g. the app's build. */
    agent: { type: 'string', maxLength: 200 },
    /**
     * Ignored since protocol 2, where a connection's author is the key it proves in
     * `auth`; still accepted so that an older client hears `protocol_mismatch`.
     */
    author: authorIdSchema,
  },
} as const;

/**
 * The answer to `welcome`'s challenge, before anything else: the author's signature of
 * `PROOF_TEXTS.auth(challenge)` with its device key, proving that the connection speaks
 * for `author` (which is that key).
 */
export const authSchema = {
  $id: 'kafky:msg/auth',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'author', 'proof'],
  properties: {
    type: { const: 'auth' },
    author: authorIdSchema,
    proof: signatureSchema,
  },
} as const;

/**
 * Asks for a room's events after `after` (0: from the start), then its live events. A
 * keyed room (see docs/security.md) needs `key`, its public key, and `proof`, the room
 * key's signature of `PROOF_TEXTS.join(challenge, room)`; an open room needs neither.
 */
export const subscribeSchema = {
  $id: 'kafky:msg/subscribe',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'room', 'after'],
  properties: {
    type: { const: 'subscribe' },
    room: roomIdSchema,
    after: cursorSchema,
    key: keySchema,
    proof: signatureSchema,
    /**
     * Asks for up to this many of the room's newest events first, in a frame marked
     * `latest`, when more than a page is missing: someone joining a long room sees its
     * latest messages at once, not after its whole history.
     */
    latest: { type: 'integer', minimum: 1, maximum: LIMITS.pageEventsMax },
  },
} as const;

/**
 * Events for the relay to store, in the sender's order. Each is checked against its
 * own type's schema on arrival; a bad one is refused alone.
 */
export const pushSchema = {
  $id: 'kafky:msg/push',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'events'],
  properties: {
    type: { const: 'push' },
    events: { type: 'array', minItems: 1, maxItems: LIMITS.pushBatchMax, items: anyEventSchema },
  },
} as const;

/**
 * An ephemeral signal: the sender started (or goes on) typing in a room it is subscribed
 * to, or stopped. The relay passes it on to the room and never stores it.
 */
export const typingSchema = {
  $id: 'kafky:msg/typing',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'room', 'active'],
  properties: {
    type: { const: 'typing' },
    room: roomIdSchema,
    active: { type: 'boolean' },
  },
} as const;

/**
 * Stops following a room (the person left it): no more events, typing or presence from
 * it, and the sender no longer counts as online there. Unknown rooms are ignored.
 */
export const unsubscribeSchema = {
  $id: 'kafky:msg/unsubscribe',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'room'],
  properties: {
    type: { const: 'unsubscribe' },
    room: roomIdSchema,
  },
} as const;

export const CLIENT_MESSAGE_SCHEMAS = [
  helloSchema,
  authSchema,
  subscribeSchema,
  unsubscribeSchema,
  pushSchema,
  typingSchema,
] as const;

export type Hello = FromSchema<typeof helloSchema>;
export type Auth = FromSchema<typeof authSchema>;
export type Subscribe = FromSchema<typeof subscribeSchema>;
export type Push = FromSchema<typeof pushSchema>;
export type Typing = FromSchema<typeof typingSchema>;
export type Unsubscribe = FromSchema<typeof unsubscribeSchema>;
/** Everything a client may send to the relay. */
export type ClientMessage = Hello | Auth | Subscribe | Unsubscribe | Push | Typing;
