import { LIMITS } from '../limits.ts';
import { eventIdSchema, type FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/** Someone wrote a message in a room, perhaps in reply to an earlier one. */
export const messageSentV1 = defineEvent('message.sent', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['text'],
  properties: {
    // At least one non-space character: an empty-looking message is a mistake, not content.
    text: { type: 'string', minLength: 1, maxLength: LIMITS.messageTextMax, pattern: '\\S' },
    /** The message this one answers (Matrix's `m.in_reply_to`); added in place, optional. */
    replyTo: eventIdSchema,
  },
});
export type MessageSent = FromSchema<typeof messageSentV1>;
