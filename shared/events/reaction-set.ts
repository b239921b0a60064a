import { LIMITS } from '../limits.ts';
import { eventIdSchema, type FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/**
 * The author put a reaction (an emoji, `key`) on a message, or took it off. Counted once
 * per sender and key: the latest of a sender's events for a key, in the room's order,
 * says whether it is on.
 */
export const reactionSetV1 = defineEvent('reaction.set', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['target', 'key', 'on'],
  properties: {
    target: eventIdSchema,
    key: { type: 'string', minLength: 1, maxLength: LIMITS.reactionKeyMax, pattern: '\\S' },
    on: { type: 'boolean' },
  },
});
export type ReactionSet = FromSchema<typeof reactionSetV1>;
