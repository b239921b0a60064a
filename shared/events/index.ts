import { messageSentV1, type MessageSent } from './message-sent.ts';
import { profileNameSetV1, type ProfileNameSet } from './profile-name-set.ts';

export * from './envelope.ts';
export { messageSentV1, profileNameSetV1 };
export type { MessageSent, ProfileNameSet };

/**
 * The schema registry: every event type and version this code understands. Rules for
 * changing it: a new optional payload field is fine in place; anything else is a new
 * version with its own schema. A type is never removed: old logs still hold it.
 */
export const EVENT_SCHEMAS = [messageSentV1, profileNameSetV1] as const;

/** An event of a type and version this code knows, checked against its own schema. */
export type KafkyEvent = MessageSent | ProfileNameSet;
export type KafkyEventType = KafkyEvent['type'];

export function eventKey(type: string, v: number): string {
  return `${type}/v${v}`;
}
