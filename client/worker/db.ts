import { Dexie, type EntityTable } from 'dexie';
import type { AnyEvent, AuthorId, ErrorCode, EventId, RoomId } from '../../shared/index.ts';

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
}

/** A room this browser has joined, and how far its confirmed log is complete. */
export interface RoomState {
  room: RoomId;
  /** Every sequence from 1 to here is held locally. */
  cursor: number;
}

export interface MessageRow {
  id: EventId;
  room: RoomId;
  author: AuthorId;
  text: string;
  ts: number;
  seq?: number;
  state: 'pending' | 'delivered' | 'failed';
  error?: { code: ErrorCode; message: string };
  /** Sort key: confirmed messages by sequence (0, seq), then pending ones by local position (1, pos). */
  section: 0 | 1;
  n: number;
}

export interface MemberRow {
  room: RoomId;
  author: AuthorId;
  name: string;
  /** The event that set the name, and its sort key, so that only a later one replaces it. */
  eventId: EventId;
  section: 0 | 1;
  n: number;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

export type KafkyDb = Dexie & {
  events: EntityTable<StoredEvent, 'pos'>;
  outbox: EntityTable<OutboxEntry, 'id'>;
  rooms: EntityTable<RoomState, 'room'>;
  messages: EntityTable<MessageRow, 'id'>;
  members: Dexie.Table<MemberRow, [RoomId, AuthorId]>;
  meta: EntityTable<MetaRow, 'key'>;
};

/** Tables a write that appends events must lock, so log and read models change together. */
export const WRITE_TABLES = ['events', 'outbox', 'rooms', 'messages', 'members', 'meta'] as const;

/** The read models: derived from the log, so they can be cleared and rebuilt at any time. */
export const READ_MODEL_TABLES = ['messages', 'members'] as const;

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
  return db;
}
