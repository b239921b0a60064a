import { LIMITS } from '../limits.ts';
import { anyEventSchema } from '../events/envelope.ts';
import { authorIdSchema, cursorSchema, roomIdSchema, type FromSchema } from '../schema.ts';

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
     * Who this connection speaks for: its author in typing signals and presence. Taken
     * on trust for now; issue 6 will have the client prove it. Without it the connection
     * can sync but sends no typing signals and counts for no one's presence.
     */
    author: authorIdSchema,
  },
} as const;

/** Asks for a room's events after `after` (0: from the start), then its live events. */
export const subscribeSchema = {
  $id: 'kafky:msg/subscribe',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'room', 'after'],
  properties: {
    type: { const: 'subscribe' },
    room: roomIdSchema,
    after: cursorSchema,
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
  subscribeSchema,
  unsubscribeSchema,
  pushSchema,
  typingSchema,
] as const;

export type Hello = FromSchema<typeof helloSchema>;
export type Subscribe = FromSchema<typeof subscribeSchema>;
export type Push = FromSchema<typeof pushSchema>;
export type Typing = FromSchema<typeof typingSchema>;
export type Unsubscribe = FromSchema<typeof unsubscribeSchema>;
/** Everything a client may send to the relay. */
export type ClientMessage = Hello | Subscribe | Unsubscribe | Push | Typing;
