import { Dexie } from 'dexie';
import {
  LOCAL_EVENT_SCHEMAS,
  type AuthorId,
  type EventId,
  type RoomId,
} from '../../../shared/index.ts';
import type {
  LogEventView,
  LogFilter,
  LogPage,
  OutboxView,
  RoomHeadView,
  TimeTravelView,
} from '../../api.ts';
import { roomsWithCursors, type KafkyDb, type StoredEvent } from '../db.ts';
import { displayNames, fallbackName } from '../queries.ts';
import type { RelayHeads } from './relay-heads.ts';
import { timeTravel } from './time-travel.ts';

/** Types of events that never leave this browser. */
const LOCAL_TYPES: ReadonlySet<string> = new Set(
  LOCAL_EVENT_SCHEMAS.map((s) => s.properties.type.const),
);

/** A page is never longer than this, whatever a tab asks for. */
export const PAGE_MAX = 500;

/** A room as the heads table needs it, before the relay's heads are added. */
export interface RoomCursor {
  room: RoomId;
  name: string;
  cursor: number;
  left: boolean;
}

/**
 * The inspector's read side: the log, the outbox and the rooms' heads, read through
 * indexes in bounded pages (the log may hold hundreds of thousands of events). Reads
 * only, so every method can run inside Dexie's liveQuery.
 */
export class InspectorQueries {
  constructor(
    private readonly db: KafkyDb,
    private readonly me: AuthorId,
  ) {}

  /** Events that pass `filter`, newest first, before position `before` (exclusive). */
  async log(filter: LogFilter, page: { before?: number; limit: number }): Promise<LogPage> {
    const limit = Math.max(1, Math.min(PAGE_MAX, Math.floor(page.limit)));
    const before = page.before ?? Infinity;
    let rows: StoredEvent[];
    let total: number;
    if (!filter.room && !filter.type) {
      rows = await this.db.events
        .where('pos')
        .below(before)
        .reverse()
        .limit(limit + 1)
        .toArray();
      total = await this.db.events.count();
    } else {
      // Each (room, type) pair is one range of the index, newest first; the newest of
      // all of them are the newest of the page.
      const parts = await this.parts(filter);
      const pages = await Promise.all(
        parts.map(([room, type]) =>
          this.db.events
            .where('[room+type+pos]')
            .between([room, type, Dexie.minKey], [room, type, before], true, false)
            .reverse()
            .limit(limit + 1)
            .toArray(),
        ),
      );
      rows = pages
        .flat()
        .sort((a, b) => b.pos - a.pos)
        .slice(0, limit + 1);
      const counts = await Promise.all(
        parts.map(([room, type]) =>
          this.db.events
            .where('[room+type+pos]')
            .between([room, type, Dexie.minKey], [room, type, Dexie.maxKey])
            .count(),
        ),
      );
      total = counts.reduce((a, b) => a + b, 0);
    }
    const shown = rows.slice(0, limit);
    return {
      events: await this.views(shown),
      total,
      older: rows.length > limit ? shown.at(-1)!.pos : null,
    };
  }

  /** The first `limit` events of the outbox, in the order they go out. */
  async outbox(limit: number): Promise<OutboxView> {
    const entries = await this.db.outbox
      .orderBy('pos')
      .limit(Math.max(1, Math.min(PAGE_MAX, Math.floor(limit))))
      .toArray();
    const rooms = await this.roomNames(entries.map((e) => e.room));
    return {
      entries: entries.map((e) => ({
        pos: e.pos,
        id: e.id,
        room: e.room,
        roomName: rooms.get(e.room) ?? e.room,
        type: e.type ?? null,
        state: e.pushed ? 'pushed' : 'draft',
      })),
      total: await this.db.outbox.count(),
    };
  }

  /** Every room held here with its local head (see `roomHeads` for the relay's). */
  async rooms(): Promise<RoomCursor[]> {
    const rooms = await roomsWithCursors(this.db);
    const names = await this.roomNames(rooms.map((r) => r.room));
    return rooms.map((r) => ({
      room: r.room,
      name: names.get(r.room) ?? r.room,
      cursor: r.cursor,
      left: r.left ?? false,
    }));
  }

  timeTravel(room: RoomId, through: EventId, limit: number): Promise<TimeTravelView | null> {
    return timeTravel(this.db, this.me, room, through, Math.max(1, Math.min(PAGE_MAX, limit)));
  }

  /** The (room, type) ranges of the index that hold the events `filter` asks for. */
  private async parts(filter: LogFilter): Promise<[RoomId, string][]> {
    const { room, type } = filter;
    if (room && type) return [[room, type]];
    if (type) {
      // Every room with events here has a row: appending to a room or following it adds one.
      const rooms = await this.db.rooms.toCollection().primaryKeys();
      return rooms.map((r) => [r, type]);
    }
    return (await this.typesIn(room!)).map((t) => [room!, t]);
  }

  /** The event types a room holds, one index lookup per type (it skips from each to the next). */
  private async typesIn(room: RoomId): Promise<string[]> {
    const types: string[] = [];
    for (;;) {
      const lower = types.length ? [room, types.at(-1)!, Dexie.maxKey] : [room, Dexie.minKey];
      const [key] = await this.db.events
        .where('[room+type+pos]')
        .between(lower, [room, Dexie.maxKey], false, true)
        .limit(1)
        .keys();
      if (!key) return types;
      types.push((key as unknown as [RoomId, string, number])[1]);
    }
  }

  private async views(events: readonly StoredEvent[]): Promise<LogEventView[]> {
    const rooms = [...new Set(events.map((e) => e.room))];
    const roomNames = await this.roomNames(rooms);
    const authors = new Map<RoomId, Map<AuthorId, string>>();
    for (const room of rooms) {
      const members = await this.db.members
        .where('[room+author]')
        .between([room, ''], [room, '\uffff'])
        .toArray();
      authors.set(room, displayNames(members));
    }
    return events.map((e) => {
      const view: LogEventView = {
        pos: e.pos,
        id: e.id,
        room: e.room,
        roomName: roomNames.get(e.room) ?? e.room,
        seq: e.seq ?? null,
        type: e.type,
        v: e.v,
        author: e.author,
        authorName: authors.get(e.room)?.get(e.author) ?? fallbackName(e.author),
        ts: e.ts,
        state: e.rejected
          ? 'refused'
          : e.seq !== undefined
            ? 'delivered'
            : LOCAL_TYPES.has(e.type)
              ? 'local'
              : 'pending',
      };
      if (e.rejected) view.reason = e.rejected;
      return view;
    });
  }

  private async roomNames(rooms: readonly RoomId[]): Promise<Map<RoomId, string>> {
    const unique = [...new Set(rooms)];
    const views = await this.db.roomViews.bulkGet(unique);
    return new Map(unique.map((room, i) => [room, views[i]?.name ?? room]));
  }
}

/** Each room's local head against the relay's last known one. */
export function roomHeads(rooms: readonly RoomCursor[], relay: RelayHeads): RoomHeadView[] {
  return rooms.map(({ room, name, cursor, left }) => {
    const heard = relay.get(room);
    // Events past the relay's `caught-up` arrive live, so the local head may be ahead of it.
    const relayHead = heard === undefined ? null : Math.max(heard, cursor);
    return {
      room,
      name,
      localHead: cursor,
      relayHead,
      lag: relayHead === null ? null : relayHead - cursor,
      left,
    };
  });
}
