import { Dexie, type EntityTable } from 'dexie';
import type { AnyEvent, AuthorId, ErrorCode, EventId, RoomId } from '../../shared/index.ts';
import type { DeadLetterView, RefusedEventView, UnknownEventView } from '../api.ts';
import type { ProcessId, ProcessRow } from './sagas/process.ts';

/**
 * An event in this browser's log. `pos` is its place in the local log; `seq` and `rts`
 * arrive with the relay's acknowledgement (or with the event, when it came from a peer).
 */
export type StoredEvent = AnyEvent & {
  pos: number;
  seq?: number;
  rts?: number;
  /** Set when the relay refused the event: it is kept in the log but never projected as sent. */
  rejected?: { code: ErrorCode; message: string };
};

/** An own event still to be pushed: the outbox of the outbox pattern. */
export interface OutboxEntry {
  id: EventId;
  room: RoomId;
  pos: number;
  /** The event's type, to count what a person would call "messages waiting". */
  type?: string;
  /**
   * Set once the event has been handed to a socket. Until then it is a local draft that
   * no one else can have: an edit or a delete may rewrite or drop it instead of adding
   * events after it.
   */
  pushed?: boolean;
}

/** A room this browser syncs, and how far its confirmed log is complete. */
export interface RoomState extends RoomRow {
  /** Every sequence from 1 to here is held locally. */
  cursor: number;
}

/**
 * A room this browser syncs, as the `rooms` table holds it. Its cursor is in `cursors`:
 * it moves with nearly every event, and the room list and header watch this table.
 */
export interface RoomRow {
  room: RoomId;
  /** Set once this browser has left the room: it stops syncing it. */
  left?: boolean;
  /**
   * The room's secret, from its creation or its invite link: it proves to the relay that
   * this browser may enter the room, and goes into the invite links it makes. None for
   * open rooms (the lobby, rooms from before keys).
   */
  secret?: string;
}

/** How far a room's confirmed log is complete: every sequence from 1 to `cursor` is held. */
export interface CursorRow {
  room: RoomId;
  cursor: number;
}

/** Where an event sorts in its room: see `sortKey`. */
export interface SortKey {
  section: 0 | 1;
  n: number;
}

/** One reaction key on a message: who has it on, in the order they put it on. */
export interface ReactionRow {
  key: string;
  authors: AuthorId[];
}

/**
 * A message as it stands now: its text after its author's edits, or a skeleton once
 * deleted, with its reactions. Recomputed from the message and every event that points
 * at it whenever one of them changes, so the order they arrive in does not matter.
 */
export interface MessageRow extends SortKey {
  id: EventId;
  room: RoomId;
  author: AuthorId;
  /** Empty once deleted: the text is gone from the read model. */
  text: string;
  ts: number;
  seq?: number;
  state: 'pending' | 'delivered' | 'failed';
  error?: { code: ErrorCode; message: string };
  replyTo?: EventId;
  edited: boolean;
  deleted: boolean;
  reactions: ReactionRow[];
  /** Search keys of the current text (none once deleted): see `searchWords`. */
  words: string[];
  /** Who it mentions, bound when it was sent (none once deleted, none before v2). */
  mentions: AuthorId[];
}

/** Who is who in a room: each field is set by the latest event of its kind. */
export interface MemberRow {
  room: RoomId;
  author: AuthorId;
  /** Null until the person has set a name in this room. */
  name: string | null;
  nameKey: SortKey | null;
  /** Whether the person is in the room now (joined and not left since). */
  member: boolean;
  memberKey: SortKey | null;
}

/** A room's own facts: its name (the latest set) and who opened it. */
export interface RoomViewRow {
  room: RoomId;
  name: string | null;
  nameKey: SortKey | null;
  createdBy: AuthorId | null;
}

/** How far a reader has read a room: the latest `read.marked` of theirs wins. */
export interface ReadRow {
  room: RoomId;
  author: AuthorId;
  through: EventId;
  key: SortKey;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

/** How far one projector's read models follow the log, written with them. */
export interface ProjectionRow {
  /** The projector's name. */
  name: string;
  /** The projector's version the read models were built by. */
  version: number;
  /** The read models reflect every event of the log up to this `pos`. */
  position: number;
  /**
   * Set while the read models are being built up from `position`, a chunk per
   * transaction, so a crash resumes where it stopped; `target` is the log's head when
   * the build began, for its progress.
   */
  rebuild?: { target: number };
}

/** An event that made a projector throw, set aside: stored as the inspector shows it. */
export type DeadLetterRow = DeadLetterView;

/** An event of a type or version this code does not know: kept and synced, not projected. */
export type UnknownEventRow = UnknownEventView;

/** An event from the relay refused for its signature, with the event as it came. */
export type RefusedEventRow = RefusedEventView & { event: unknown };

export type KafkyDb = Dexie & {
  events: EntityTable<StoredEvent, 'pos'>;
  outbox: EntityTable<OutboxEntry, 'id'>;
  rooms: EntityTable<RoomRow, 'room'>;
  /** Each room's sync cursor; a room without a row has 0. */
  cursors: EntityTable<CursorRow, 'room'>;
  messages: EntityTable<MessageRow, 'id'>;
  members: Dexie.Table<MemberRow, [RoomId, AuthorId]>;
  roomViews: EntityTable<RoomViewRow, 'room'>;
  reads: Dexie.Table<ReadRow, [RoomId, AuthorId]>;
  meta: EntityTable<MetaRow, 'key'>;
  /** Commands the relay may refuse, as processes with persisted states: see sagas/. */
  processes: Dexie.Table<ProcessRow, ProcessId>;
  projections: EntityTable<ProjectionRow, 'name'>;
  deadLetters: Dexie.Table<DeadLetterRow, [string, number]>;
  unknownEvents: EntityTable<UnknownEventRow, 'pos'>;
  refusedEvents: EntityTable<RefusedEventRow, 'id'>;
};

/** Tables a write that appends events must lock, so log and read models change together. */
export const WRITE_TABLES = [
  'events',
  'outbox',
  'rooms',
  'cursors',
  'messages',
  'members',
  'roomViews',
  'reads',
  'meta',
  'processes',
  'projections',
  'deadLetters',
  'unknownEvents',
  'refusedEvents',
] as const;

/** The read models: derived from the log, so they can be cleared and rebuilt at any time. */
export const READ_MODEL_TABLES = ['messages', 'members', 'roomViews', 'reads'] as const;
export type ReadModelTable = (typeof READ_MODEL_TABLES)[number];

/**
 * Every room this browser syncs with its cursor (0 for one never synced), in one
 * transaction: each is one more that a write queues behind.
 */
export function roomsWithCursors(db: KafkyDb): Promise<RoomState[]> {
  return db.transaction('r', db.rooms, db.cursors, async () => {
    const [rooms, cursors] = await Promise.all([db.rooms.toArray(), db.cursors.toArray()]);
    const at = new Map(cursors.map((c) => [c.room, c.cursor]));
    return rooms.map((row) => ({ ...row, cursor: at.get(row.room) ?? 0 }));
  });
}

export function openDb(name = 'kafky'): KafkyDb {
  const db = new Dexie(name) as KafkyDb;
  db.version(1).stores({
    // [room+seq] only holds confirmed events: IndexedDB leaves out rows whose key is missing.
    events: '++pos, &id, [room+seq]',
    outbox: '&id, pos',
    rooms: '&room',
    messages: '&id, [room+section+n]',
    members: '[room+author]',
    meta: '&key',
  });
  // One ordered outbox queue per room, so a room with a long backlog does not hold back the others.
  db.version(2).stores({ outbox: '&id, pos, room, [room+pos]' });
  // Events that point at a message are found by their target; the read models of the
  // chat are rebuilt from the log (see read-model-builder.ts), so no upgrade code is needed.
  db.version(3).stores({
    events: '++pos, &id, [room+seq], payload.target, [room+type+author]',
    members: '[room+author]',
    roomViews: '&room',
    reads: '[room+author]',
  });
  // Local search: every word of every message, as a multi-entry index.
  db.version(4).stores({ messages: '&id, [room+section+n], *words' });
  // The inspector pages the log newest first by room, by type or both: one index, read
  // per room and type and merged, so no filter ever walks the whole log.
  // Each projector's version and position, events set aside by a throwing projector (by
  // projector, and by position to find an event's), and events of unknown types.
  db.version(5).stores({
    events: '++pos, &id, [room+seq], payload.target, [room+type+author], [room+type+pos]',
    projections: '&name',
    deadLetters: '[projector+pos], pos',
    unknownEvents: '&pos',
  });
  // Sagas: each command the relay may refuse, found by any of its events.
  db.version(6).stores({ processes: '&id, state, *events' });
  // Events from the relay whose signature does not hold: set aside, never in the log.
  db.version(7).stores({ refusedEvents: '&id, received' });
  // Cursors in their own table, so a cursor moving (on nearly every event) does not re-run
  // the live queries that read the rooms (the room list, the room header).
  db.version(8)
    .stores({ cursors: '&room' })
    .upgrade(async (tx) => {
      const cursors: CursorRow[] = [];
      await tx
        .table<RoomRow & { cursor?: number }, RoomId>('rooms')
        .toCollection()
        .modify((row) => {
          if (row.cursor) cursors.push({ room: row.room, cursor: row.cursor });
          delete row.cursor;
        });
      await tx.table<CursorRow, RoomId>('cursors').bulkPut(cursors);
    });
  return db;
}
