import { LIMITS } from '../limits.ts';
import { eventIdSchema, type FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/**
 * The author of a message replaced its text (Matrix's `m.replace`, in spirit). Only the
 * message's own author may edit it; an edit by anyone else is ignored by every
 * projector. The latest edit in the room's order wins.
 */
export const messageEditedV1 = defineEvent('message.edited', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['target', 'text'],
  properties: {
    target: eventIdSchema,
    text: { type: 'string', minLength: 1, maxLength: LIMITS.messageTextMax, pattern: '\\S' },
  },
});
export type MessageEdited = FromSchema<typeof messageEditedV1>;
