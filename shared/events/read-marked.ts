import { eventIdSchema, type FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/**
 * The author has read the room up to and including the message `through`. One reader's
 * own position, kept per room; the latest in the room's order wins.
 */
export const readMarkedV1 = defineEvent('read.marked', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['through'],
  properties: { through: eventIdSchema },
});
export type ReadMarked = FromSchema<typeof readMarkedV1>;
