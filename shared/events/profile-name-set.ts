import { LIMITS } from '../limits.ts';
import type { FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/**
 * A person set the name others see for them in a room. Per room, as Matrix's member
 * events are, so a room's log alone says who is who in it.
 */
export const profileNameSetV1 = defineEvent('profile.name-set', 1, {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: LIMITS.displayNameMax, pattern: '\\S' },
  },
});
export type ProfileNameSet = FromSchema<typeof profileNameSetV1>;
