import { deliveryRefusedV1, type DeliveryRefused } from './delivery-refused.ts';
import { deliveryRetriedV1, type DeliveryRetried } from './delivery-retried.ts';
import { memberJoinedV1, type MemberJoined } from './member-joined.ts';
import { memberLeftV1, type MemberLeft } from './member-left.ts';
import { messageDeletedV1, type MessageDeleted } from './message-deleted.ts';
import { messageEditedV1, type MessageEdited } from './message-edited.ts';
import {
  messageSentV1,
  messageSentV2,
  type MessageSent,
  type MessageSentV1,
} from './message-sent.ts';
import { profileNameSetV1, type ProfileNameSet } from './profile-name-set.ts';
import { reactionSetV1, type ReactionSet } from './reaction-set.ts';
import { readMarkedV1, type ReadMarked } from './read-marked.ts';
import { roomCreatedV1, type RoomCreated } from './room-created.ts';
import { roomRenamedV1, type RoomRenamed } from './room-renamed.ts';

export * from './envelope.ts';
export * from './registry.ts';
export * from './upcasters.ts';
export {
  deliveryRefusedV1,
  deliveryRetriedV1,
  memberJoinedV1,
  memberLeftV1,
  messageDeletedV1,
  messageEditedV1,
  messageSentV1,
  messageSentV2,
  profileNameSetV1,
  reactionSetV1,
  readMarkedV1,
  roomCreatedV1,
  roomRenamedV1,
};
export type {
  DeliveryRefused,
  DeliveryRetried,
  MemberJoined,
  MemberLeft,
  MessageDeleted,
  MessageEdited,
  MessageSent,
  MessageSentV1,
  ProfileNameSet,
  ReactionSet,
  ReadMarked,
  RoomCreated,
  RoomRenamed,
};

/**
 * The schema registry: every event type and every version this code understands. Rules
 * for changing it (see README.md here): a new optional payload field is fine in place;
 * anything else is a new version with its own schema, appended here, and an upcaster
 * from the one before (upcasters.ts). Writers write the newest version; readers upcast
 * older ones to it. A type or a version is never removed: old logs still hold it.
 */
export const EVENT_SCHEMAS = [
  messageSentV1,
  messageSentV2,
  messageEditedV1,
  messageDeletedV1,
  reactionSetV1,
  profileNameSetV1,
  roomCreatedV1,
  roomRenamedV1,
  memberJoinedV1,
  memberLeftV1,
  readMarkedV1,
] as const;

/**
 * Event types that only ever live in the log of the browser that wrote them: the
 * compensations of refused commands (see docs/sagas.md). Validated and projected like
 * any other, never pushed, and refused by `checkStorable` should one be sent anyway.
 */
export const LOCAL_EVENT_SCHEMAS = [deliveryRefusedV1, deliveryRetriedV1] as const;

/** An event of a type this code knows, at the version it writes: all projectors see. */
export type KafkyEvent =
  | MessageSent
  | MessageEdited
  | MessageDeleted
  | ReactionSet
  | ProfileNameSet
  | RoomCreated
  | RoomRenamed
  | MemberJoined
  | MemberLeft
  | ReadMarked
  | LocalEvent;

/** An event of one of the `LOCAL_EVENT_SCHEMAS`: see there. */
export type LocalEvent = DeliveryRefused | DeliveryRetried;
export type KafkyEventType = KafkyEvent['type'];

/** Older versions of known types: stored as written, upcast when read. */
export type HistoricEvent = MessageSentV1;

/** An event of any type and version this code knows, checked against its own schema. */
export type KnownEvent = KafkyEvent | HistoricEvent;

/** Events that point at a message (`payload.target`): edits, deletions, reactions. */
export type MessageRelation = MessageEdited | MessageDeleted | ReactionSet;
