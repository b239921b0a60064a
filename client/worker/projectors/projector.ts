import { Dexie } from 'dexie';
import {
  EVENT_REGISTRY,
  type AnyEvent,
  type AuthorId,
  type EventRegistry,
  type KafkyEvent,
  type KnownEvent,
  type ReadEvent,
  type RoomId,
} from '../../../shared/index.ts';
import type { KafkyDb, ReadModelTable, SortKey, StoredEvent } from '../db.ts';

/**
 * A known, valid event, upcast to the current version of its type, together with where
 * it stands in this browser's log. Projectors see nothing else.
 */
export type ProjectedEvent = KafkyEvent & Omit<StoredEvent, keyof KafkyEvent>;

/** The registry projectors read the log with: which types and versions this code knows. */
export type Registry = EventRegistry<KnownEvent, KafkyEvent>;

/** What a projector works with: the database, and the registry to read the log through. */
export interface ProjectionContext {
  readonly db: KafkyDb;
  readonly registry: Registry;
  /**
   * Set when the events have just been dropped from the log (a draft taken back, a
   * refusal discarded): the read models must come in line without them. Otherwise the
   * events are in the log as given, and a projector may use them without reading them.
   */
  readonly dropped?: boolean;
  /**
   * Set when the events were just made here, with new ids: nothing in the log refers to
   * one of them yet but the others among them, so a projector need not look.
   */
  readonly fresh?: boolean;
}

/**
 * Builds one read model from the log. `apply` runs inside the transaction that stored
 * or changed the event, and brings the read model in line with the event as it is
 * stored now: applying it again (say, once the relay has sequenced it) is safe.
 * Projectors are pure: they read only the event, the log and their read model, never
 * the clock or the network, so a rebuild from the log gives the same read model.
 */
export interface Projector {
  readonly name: string;
  /** Bump when `apply` changes, so its read models are rebuilt from the log at start. */
  readonly version: number;
  /** The read-model tables it alone writes: cleared and rebuilt when its version changes. */
  readonly tables: readonly ReadModelTable[];
  /**
   * The event types it reads; it is not called for others. (Also what keeps a bulk
   * projection from awaiting hundreds of no-ops, which would let IndexedDB commit the
   * transaction under it.)
   */
  readonly types: readonly KafkyEvent['type'][];
  apply(ctx: ProjectionContext, event: ProjectedEvent): Promise<void>;
  /**
   * The same as `apply` on each event in turn, done in bulk where the projector can
   * (a catch-up page is hundreds of events). Optional: without it, `apply` runs per event.
   * If it throws, `apply` runs per event, so the one that fails can be set aside.
   */
  applyMany?(ctx: ProjectionContext, events: readonly ProjectedEvent[]): Promise<void>;
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
  { db, registry }: ProjectionContext,
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
  return projectable(found, registry) as Known<T>[];
}

/**
 * A stored event read through the registry: `current` (upcast to the current version of
 * its type, with where it stands in the log), `unknown` or `invalid`.
 */
export function readStored(event: StoredEvent, registry: Registry): ReadEvent<ProjectedEvent> {
  const written = stripStorage(event);
  const read = registry.read(written);
  if (read.kind !== 'current') return read;
  // Upcast: the envelope and payload as read, where it stands in the log as stored.
  const projected = read.event === written ? event : { ...event, ...read.event };
  return { kind: 'current', event: projected as ProjectedEvent };
}

/**
 * An event as projectors see it (see `readStored`), or null when this code does not
 * know its type and version or it fails its schema. Refused events are read too: some
 * read models show them.
 */
export function current(
  event: StoredEvent,
  registry: Registry = EVENT_REGISTRY,
): ProjectedEvent | null {
  const read = readStored(event, registry);
  return read.kind === 'current' ? read.event : null;
}

/**
 * What a projector reads of some events: the known, valid, not refused ones, upcast to
 * their current versions, in the room's order.
 */
export function projectable(
  events: readonly StoredEvent[],
  registry: Registry = EVENT_REGISTRY,
): ProjectedEvent[] {
  const read: ProjectedEvent[] = [];
  for (const event of events) {
    const projected = event.rejected ? null : current(event, registry);
    if (projected) read.push(projected);
  }
  return read.sort(byRoomOrder);
}

/** The event as its author wrote it, without what this browser adds. */
export function stripStorage(event: StoredEvent): AnyEvent {
  const { id, type, v, room, author, ts, payload } = event;
  return { id, type, v, room, author, ts, payload };
}
