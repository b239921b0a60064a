import { LIMITS } from '../limits.ts';
import type { FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/** A member gave the room a new name; the latest in the room's order wins. */
export const roomRenamedV1 = defineEvent('room.renamed', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: LIMITS.roomNameMax, pattern: '\\S' },
  },
});
export type RoomRenamed = FromSchema<typeof roomRenamedV1>;
