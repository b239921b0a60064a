import { LIMITS } from '../limits.ts';
import type { FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/** Someone wrote a message in a room. */
export const messageSentV1 = defineEvent('message.sent', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['text'],
  properties: {
    // At least one non-space character: an empty-looking message is a mistake, not content.
    text: { type: 'string', minLength: 1, maxLength: LIMITS.messageTextMax, pattern: '\\S' },
  },
});
export type MessageSent = FromSchema<typeof messageSentV1>;
