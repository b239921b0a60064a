import type { FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/** The author left the room. Their earlier messages stay; they may join again. */
export const memberLeftV1 = defineEvent('member.left', 1, {
  type: 'object',
  additionalProperties: false,
  properties: {},
});
export type MemberLeft = FromSchema<typeof memberLeftV1>;
