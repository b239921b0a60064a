import { Dexie } from 'dexie';
import {
  checkEvent,
  type AnyEvent,
  type AuthorId,
  type KafkyEvent,
  type RoomId,
} from '../../../shared/index.ts';
import type { KafkyDb, SortKey, StoredEvent } from '../db.ts';

/** A known, valid event together with where it stands in this browser's log. */
export type ProjectedEvent = KafkyEvent & Omit<StoredEvent, keyof KafkyEvent>;

/**
 * Builds one read model from the log. `apply` runs inside the transaction that stored
 * or changed the event, and brings the read model in line with the event as it is
 * stored now: applying it again (say, once the relay has sequenced it) is safe.
 * Projectors are pure: they read only the event, the log and their read model, never
 * the clock or the network, so a rebuild from the log gives the same read model.
 */
export interface Projector {
  readonly name: string;
  /** Bump when `apply` changes, so the read model is rebuilt from the log. */
  readonly version: number;
  /**
   * The event types it reads; it is not called for others. (Also what keeps a bulk
   * projection from awaiting hundreds of no-ops, which would let IndexedDB commit the
   * transaction under it.)
   */
  readonly types: readonly KafkyEvent['type'][];
  apply(db: KafkyDb, event: ProjectedEvent): Promise<void>;
  /**
   * The same as `apply` on each event in turn, done in bulk where the projector can
   * (a catch-up page is hundreds of events). Optional: without it, `apply` runs per event.
   */
  applyMany?(db: KafkyDb, events: readonly ProjectedEvent[]): Promise<void>;
}

/**
 * Where an event sorts in a room: confirmed events by the relay's sequence, then this
 * browser's pending ones in local order. One order for every read model.
 */
export function sortKey(event: Pick<StoredEvent, 'seq' | 'pos'>): SortKey {
  return event.seq === undefined ? { section: 1, n: event.pos } : { section: 0, n: event.seq };
}

export function compareSortKeys(a: SortKey, b: SortKey): number {
  return a.section - b.section || a.n - b.n;
}

/** Orders events as the room does: see `sortKey`. */
export function byRoomOrder(a: StoredEvent, b: StoredEvent): number {
  return compareSortKeys(sortKey(a), sortKey(b));
}

type Known<T extends KafkyEvent['type']> = Extract<KafkyEvent, { type: T }> &
  Omit<StoredEvent, keyof KafkyEvent>;

/**
 * The events of the given types in a room, by one author or by anyone, in the room's
 * order: refused events and events that fail their schema left out. "Latest wins" read
 * models are recomputed from these rather than updated in place, because an own event
 * moves when the relay sequences it (from after every confirmed event to its place
 * among them), which an in-place update cannot follow.
 */
export async function eventsOf<T extends KafkyEvent['type']>(
  db: KafkyDb,
  room: RoomId,
  types: readonly T[],
  author?: AuthorId,
): Promise<Known<T>[]> {
  const found: StoredEvent[] = [];
  for (const type of types) {
    const range = author
      ? db.events.where('[room+type+author]').equals([room, type, author])
      : db.events
          .where('[room+type+author]')
          .between([room, type, Dexie.minKey], [room, type, Dexie.maxKey]);
    found.push(...(await range.toArray()));
  }
  return projectable(found) as Known<T>[];
}

/** What a projector reads of some events: the valid, not refused ones, in the room's order. */
export function projectable(events: readonly StoredEvent[]): StoredEvent[] {
  return events
    .filter((event) => !event.rejected && checkEvent(stripStorage(event)).ok)
    .sort(byRoomOrder);
}

/** The event as its author wrote it, without what this browser adds. */
export function stripStorage(event: StoredEvent): AnyEvent {
  const { id, type, v, room, author, ts, payload } = event;
  return { id, type, v, room, author, ts, payload };
}
