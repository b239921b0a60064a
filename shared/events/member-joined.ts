import type { FromSchema } from '../schema.ts';
import { defineEvent } from './envelope.ts';

/** The author joined the room (from an invite link, or by creating it). */
export const memberJoinedV1 = defineEvent('member.joined', 1, {
  type: 'object',
  additionalProperties: false,
  properties: {},
});
export type MemberJoined = FromSchema<typeof memberJoinedV1>;
