import { LIMITS } from '../limits.ts';
import { authorIdSchema, eventIdSchema, type FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

// At least one non-space character: an empty-looking message is a mistake, not content.
const textSchema = {
  type: 'string',
  minLength: 1,
  maxLength: LIMITS.messageTextMax,
  pattern: '\\S',
} as const;

/** Someone wrote a message in a room, perhaps in reply to an earlier one. */
export const messageSentV1 = defineEvent('message.sent', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['text'],
  properties: {
    text: textSchema,
    /** The message this one answers (Matrix's `m.in_reply_to`); added in place, optional. */
    replyTo: eventIdSchema,
  },
});
export type MessageSentV1 = FromSchema<typeof messageSentV1>;

/**
 * v2: the people the message mentions, by author id, bound when it is sent. In v1 an
 * `@name` meant whoever bore that name when the message was read, so a rename moved old
 * mentions to someone else (or lost them). Required, so a reader can trust an empty list
 * to mean "mentions no one"; v1 messages are upcast with an empty list (see upcasters.ts).
 */
export const messageSentV2 = defineEvent('message.sent', 2, {
  type: 'object',
  additionalProperties: false,
  required: ['text', 'mentions'],
  properties: {
    text: textSchema,
    replyTo: eventIdSchema,
    mentions: {
      type: 'array',
      items: authorIdSchema,
      maxItems: LIMITS.mentionsMax,
      uniqueItems: true,
    },
  },
});
export type MessageSent = FromSchema<typeof messageSentV2>;
