import { eventIdSchema, type FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/**
 * The author of a message took it back (a redaction): read models keep a skeleton
 * ("message deleted") and drop its text, its edits and its reactions.
 */
export const messageDeletedV1 = defineEvent('message.deleted', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['target'],
  properties: { target: eventIdSchema },
});
export type MessageDeleted = FromSchema<typeof messageDeletedV1>;
