import { LIMITS } from '../limits.ts';
import { keySchema, type FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/**
 * Someone opened a new room: the first event of its log. Its author is the room's first
 * member; the event's `room` is the new room's id, which the creator's client picks.
 * `key` is the room's public key, from the secret its invite link carries: the relay lets
 * only connections that prove that secret into the room (docs/security.md). It is
 * optional because rooms created before keys have none; such rooms are open.
 */
export const roomCreatedV1 = defineEvent('room.created', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: LIMITS.roomNameMax, pattern: '\\S' },
    key: keySchema,
  },
});
export type RoomCreated = FromSchema<typeof roomCreatedV1>;
