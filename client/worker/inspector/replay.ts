import type { AuthorId, EventId, RoomId } from '../../../shared/index.ts';
import type { MemberRow, MessageRow, RoomViewRow, StoredEvent } from '../db.ts';
import { memberOf } from '../projectors/members-projector.ts';
import { computeRow } from '../projectors/messages-projector.ts';
import {
  compareSortKeys,
  current,
  projectable,
  sortKey,
  type ProjectedEvent,
} from '../projectors/projector.ts';
import { roomViewOf } from '../projectors/rooms-projector.ts';

/** A room's read models as projecting exactly some of its events would leave them. */
export interface RoomReplay {
  room: RoomId;
  view: RoomViewRow | null;
  members: MemberRow[];
  /** In the room's order. */
  messages: MessageRow[];
}

type Of<T extends ProjectedEvent['type']> = Extract<ProjectedEvent, { type: T }>;
type MessageArgs = Parameters<typeof computeRow>;

const MEMBERSHIP = ['room.created', 'member.joined', 'member.left'] as const;

/** A room's events up to and including `through`, in the room's order (see `sortKey`). */
export function prefixThrough(
  events: readonly StoredEvent[],
  through: Pick<StoredEvent, 'room' | 'seq' | 'pos'>,
): StoredEvent[] {
  const last = sortKey(through);
  return events
    .filter((e) => e.room === through.room && compareSortKeys(sortKey(e), last) <= 0)
    .sort((a, b) => compareSortKeys(sortKey(a), sortKey(b)));
}

/**
 * Projects a room's events into read models held in memory, by the projectors' own
 * rules: the same rows a fresh projection of these events into IndexedDB would give,
 * with nothing written anywhere.
 */
export function replayRoom(room: RoomId, events: readonly StoredEvent[]): RoomReplay {
  const inRoom = events.filter((e) => e.room === room);
  const usable = projectable(inRoom);
  const ofTypes = <T extends ProjectedEvent['type']>(types: readonly T[], author?: AuthorId) =>
    usable.filter(
      (e): e is Of<T> =>
        (types as readonly string[]).includes(e.type) &&
        (author === undefined || e.author === author),
    );

  const relations = new Map<EventId, MessageArgs[1]>();
  for (const event of inRoom) {
    const target = (event.payload as { target?: unknown }).target;
    if (typeof target !== 'string') continue;
    const list = relations.get(target as EventId) ?? [];
    list.push(event as MessageArgs[1][number]);
    relations.set(target as EventId, list);
  }
  // As the projector: every valid message has a row, a refused one too (shown failed).
  const messages = inRoom
    .filter((e) => current(e)?.type === 'message.sent')
    .map((message) => computeRow(message as MessageArgs[0], relations.get(message.id) ?? []));

  const authors = new Set(ofTypes(['profile.name-set', ...MEMBERSHIP]).map((e) => e.author));
  const members = [...authors].flatMap((author) => {
    const row = memberOf(
      room,
      author,
      ofTypes(['profile.name-set'], author),
      ofTypes(MEMBERSHIP, author),
    );
    return row ? [row] : [];
  });

  return {
    room,
    view: roomViewOf(room, ofTypes(['room.created', 'room.renamed'])),
    members,
    messages: messages.sort(compareSortKeys),
  };
}
