import { ERROR_CODES } from '../errors.ts';
import { sequencedEventSchema } from '../events/envelope.ts';
import {
  authorIdSchema,
  connectionIdSchema,
  cursorSchema,
  eventIdSchema,
  roomIdSchema,
  seqSchema,
  timeSchema,
  type FromSchema,
} from '../schema.ts';

/** Answer to `hello`: the relay's protocol and the epoch of its log. */
export const welcomeSchema = {
  $id: 'kafky:msg/welcome',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'protocol', 'epoch', 'connection', 'time', 'challenge'],
  properties: {
    type: { const: 'welcome' },
    protocol: { type: 'integer', minimum: 1 },
    /** Chosen when the relay's log is created; a new epoch means the log was replaced. */
    epoch: { type: 'string', minLength: 1, maxLength: 64 },
    connection: connectionIdSchema,
    time: timeSchema,
    /**
     * Fresh random text for this connection: the client signs it in `auth` (with its
     * device key) and in each keyed room's `subscribe` (with the room's key).
     */
    challenge: { type: 'string', minLength: 16, maxLength: 64 },
  },
} as const;

/**
 * Sequenced events of one room, in sequence order: a catch-up page or live ones. With
 * `latest`, the room's newest events sent ahead of the catch-up a `subscribe` asked them
 * for: a later start than the client's cursor, so no gap; the pages that follow leave
 * them out.
 */
export const eventsSchema = {
  $id: 'kafky:msg/events',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'room', 'events'],
  properties: {
    type: { const: 'events' },
    room: roomIdSchema,
    events: { type: 'array', items: sequencedEventSchema },
    latest: { const: true },
  },
} as const;

/** The subscription has sent everything up to `head`; what follows is live. */
export const caughtUpSchema = {
  $id: 'kafky:msg/caught-up',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'room', 'head'],
  properties: {
    type: { const: 'caught-up' },
    room: roomIdSchema,
    head: cursorSchema,
  },
} as const;

/** The sender's events are durable: each with its place in its room. */
export const ackSchema = {
  $id: 'kafky:msg/ack',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'acks'],
  properties: {
    type: { const: 'ack' },
    acks: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'room', 'seq', 'rts'],
        properties: { id: eventIdSchema, room: roomIdSchema, seq: seqSchema, rts: timeSchema },
      },
    },
  },
} as const;

const errorCodeSchema = { type: 'string', enum: ERROR_CODES } as const;

/** One pushed event was refused and not stored; the others go on. */
export const rejectedSchema = {
  $id: 'kafky:msg/rejected',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'id', 'code', 'message'],
  properties: {
    type: { const: 'rejected' },
    /** The refused event's id, as sent (it may not even be a valid id). */
    id: { type: 'string', maxLength: 100 },
    code: errorCodeSchema,
    message: { type: 'string' },
  },
} as const;

/** A frame could not be taken. If `fatal`, the relay closes the socket next. */
export const errorSchema = {
  $id: 'kafky:msg/error',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'code', 'message'],
  properties: {
    type: { const: 'error' },
    code: errorCodeSchema,
    message: { type: 'string' },
    fatal: { type: 'boolean' },
    /** With `rate_limited`: push nothing more before this many ms have passed. */
    retryAfterMs: { type: 'integer', minimum: 0 },
    /** The room the error is about, when it is one room's: a `room_denied` subscribe. */
    room: roomIdSchema,
  },
} as const;

/**
 * Someone in the room is typing: show it for `ttl` ms unless a newer signal comes. A `ttl`
 * of 0 means they stopped. Ephemeral: never stored, sent only to live subscribers.
 */
export const typingSignalSchema = {
  $id: 'kafky:msg/typing-signal',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'room', 'author', 'ttl'],
  properties: {
    type: { const: 'typing' },
    room: roomIdSchema,
    author: authorIdSchema,
    ttl: { type: 'integer', minimum: 0, maximum: 60_000 },
  },
} as const;

/** Authors, each once: who is online in a room, or who came or went. */
const authorSetSchema = { type: 'array', uniqueItems: true, items: authorIdSchema } as const;

/**
 * Who is online in a room: every author with at least one connection subscribed to it,
 * each once. The whole set, sent after each `caught-up`; changes follow as
 * `presence-change`.
 */
export const presenceSchema = {
  $id: 'kafky:msg/presence',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'room', 'online'],
  properties: {
    type: { const: 'presence' },
    room: roomIdSchema,
    online: authorSetSchema,
  },
} as const;

/**
 * Who came online in a room and who went offline since the room was last told: sent to
 * its live subscribers at most once a second per room (see docs/protocol.md), so that a
 * change costs the change, not the room's whole set to everyone.
 */
export const presenceChangeSchema = {
  $id: 'kafky:msg/presence-change',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'room', 'joined', 'left'],
  properties: {
    type: { const: 'presence-change' },
    room: roomIdSchema,
    joined: authorSetSchema,
    left: authorSetSchema,
  },
} as const;

export const RELAY_MESSAGE_SCHEMAS = [
  welcomeSchema,
  eventsSchema,
  caughtUpSchema,
  ackSchema,
  rejectedSchema,
  errorSchema,
  typingSignalSchema,
  presenceSchema,
  presenceChangeSchema,
] as const;

export type Welcome = FromSchema<typeof welcomeSchema>;
export type EventsMessage = FromSchema<typeof eventsSchema>;
export type CaughtUp = FromSchema<typeof caughtUpSchema>;
export type Ack = FromSchema<typeof ackSchema>;
export type Rejected = FromSchema<typeof rejectedSchema>;
export type ErrorMessage = FromSchema<typeof errorSchema>;
export type TypingSignal = FromSchema<typeof typingSignalSchema>;
export type Presence = FromSchema<typeof presenceSchema>;
export type PresenceChange = FromSchema<typeof presenceChangeSchema>;
/** Everything the relay may send to a client. */
export type RelayMessage =
  | Welcome
  | EventsMessage
  | CaughtUp
  | Ack
  | Rejected
  | ErrorMessage
  | TypingSignal
  | Presence
  | PresenceChange;
