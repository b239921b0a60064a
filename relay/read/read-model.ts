import Database from 'better-sqlite3';
import {
  EVENT_REGISTRY,
  readEvent,
  type AnyEvent,
  type AuthorId,
  type EventId,
  type KafkyEvent,
  type MessageRelation,
  type MessageSent,
  type RoomId,
} from '../../shared/index.ts';
import { applyRelation, messageState, type MessageState } from './message-rules.ts';

/**
 * Bump when the tables or the projection change: a relay that finds another version
 * recorded rebuilds the read side from the log when it opens it.
 */
export const READ_VERSION = 2;

const READ_TABLES = ['rooms', 'messages', 'pending_relations', 'read_failures'] as const;
const DROP_TABLES = READ_TABLES.map((table) => `DROP TABLE IF EXISTS ${table};`).join('\n');

const SCHEMA = `
  -- One row per room with any event, known or not.
  CREATE TABLE IF NOT EXISTS rooms (
    id TEXT PRIMARY KEY,
    name TEXT,
    created_by TEXT,
    head INTEGER NOT NULL,
    messages INTEGER NOT NULL,
    last_activity INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  -- Keyed by its event's pos in the log: a message is found by id, or by room and
  -- sequence, through the log's own indexes, so this table keeps none of its own (each
  -- index is one more b-tree every append writes to).
  CREATE TABLE IF NOT EXISTS messages (
    pos INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL,
    rts INTEGER NOT NULL,
    reply_to TEXT,
    edited INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    -- JSON: [[key, [author, ...]], ...], see MessageState.reactions.
    reactions TEXT NOT NULL
  ) STRICT;
  -- Edits, deletions and reactions whose message the room has not had yet.
  CREATE TABLE IF NOT EXISTS pending_relations (
    room TEXT NOT NULL,
    target TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (room, target, seq)
  ) STRICT, WITHOUT ROWID;
  -- Events whose projection threw: left out of the read side, never out of the log.
  CREATE TABLE IF NOT EXISTS read_failures (
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    error TEXT NOT NULL,
    PRIMARY KEY (room, seq)
  ) STRICT, WITHOUT ROWID;
`;

/** An event as the log has just stored it. */
export interface Appended {
  event: AnyEvent;
  /** Its row's place in the log's events table. */
  pos: number;
  seq: number;
  rts: number;
}

export interface ReadFailure {
  room: RoomId;
  seq: number;
  id: EventId;
  error: string;
}

export interface RebuildOptions {
  /** Called after each page of the log: events projected so far, and in all. */
  onProgress?: (done: number, total: number) => void;
}

interface MessageRow {
  pos: number;
  room: RoomId;
  author: AuthorId;
  text: string;
  edited: number;
  deleted: number;
  reactions: string;
}

const REBUILD_PAGE = 2000;

function prepare(db: Database.Database) {
  return {
    touchRoom: db.prepare<[string, number, number, number]>(
      `INSERT INTO rooms (id, head, messages, last_activity) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET head = excluded.head,
         messages = messages + excluded.messages, last_activity = excluded.last_activity`,
    ),
    created: db.prepare<[string, string, string]>(
      'UPDATE rooms SET name = ?, created_by = coalesce(created_by, ?) WHERE id = ?',
    ),
    renamed: db.prepare<[string, string]>('UPDATE rooms SET name = ? WHERE id = ?'),
    insertMessage: db.prepare<
      [
        number,
        string,
        string,
        number,
        string,
        string,
        number,
        number,
        string | null,
        number,
        number,
        string,
      ]
    >(
      `INSERT INTO messages (pos, id, room, seq, author, text, ts, rts, reply_to, edited, deleted, reactions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    message: db.prepare<[string], MessageRow>(
      `SELECT m.pos, m.room, m.author, m.text, m.edited, m.deleted, m.reactions
       FROM events e CROSS JOIN messages m ON m.pos = e.pos WHERE e.id = ?`,
    ),
    updateMessage: db.prepare<[string, number, number, string, number]>(
      'UPDATE messages SET text = ?, edited = ?, deleted = ?, reactions = ? WHERE pos = ?',
    ),
    addPending: db.prepare<[string, string, number, string]>(
      'INSERT INTO pending_relations (room, target, seq, body) VALUES (?, ?, ?, ?)',
    ),
    anyPending: db.prepare<[], { one: number }>('SELECT 1 AS one FROM pending_relations LIMIT 1'),
    pending: db.prepare<[string, string], { body: string }>(
      'SELECT body FROM pending_relations WHERE room = ? AND target = ? ORDER BY seq',
    ),
    dropPending: db.prepare<[string, string]>(
      'DELETE FROM pending_relations WHERE room = ? AND target = ?',
    ),
    fail: db.prepare<[string, number, string, string]>(
      'INSERT OR REPLACE INTO read_failures (room, seq, id, error) VALUES (?, ?, ?, ?)',
    ),
    failures: db.prepare<[], ReadFailure>(
      'SELECT room, seq, id, error FROM read_failures ORDER BY room, seq',
    ),
    count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM events'),
    page: db.prepare<
      [string, number, number],
      { pos: number; room: string; seq: number; rts: number; body: string }
    >(
      'SELECT pos, room, seq, rts, body FROM events WHERE (room, seq) > (?, ?) ORDER BY room, seq LIMIT ?',
    ),
    getVersion: db.prepare<[], { value: string }>(
      "SELECT value FROM meta WHERE key = 'read_version'",
    ),
    putVersion: db.prepare<[string]>(
      `INSERT INTO meta (key, value) VALUES ('read_version', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ),
  };
}

/**
 * The relay's read side: rooms and messages, projected from the log by the log itself,
 * inside the transaction that appends the events, so the tables always reflect exactly
 * the log (each room's `head` is the position they reflect). SQLite only: the queries
 * (`queries.ts`) read these tables. Expects the log's `events` and `meta` tables.
 */
export class ReadModel {
  private statements: ReturnType<typeof prepare>;
  private readonly guarded: (work: () => void) => void;
  /**
   * Whether `pending_relations` may hold a row, as of this batch: when it holds none (the
   * common case) a new message need not look for relations waiting for it.
   */
  private mayPend = true;

  /**
   * `admitted`: every event projected as it is appended passed the relay's admission
   * (its schema checked, see relay/sync/admission.ts), so one of a known type at its
   * current version is read as it is. A rebuild checks every event again, whatever this says.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly admitted = false,
  ) {
    // Tables of another version may not fit this one's statements: they go now, and the
    // rebuild the log runs when it finds the read side not current makes them again.
    if (!isBuiltBy(db, READ_VERSION)) db.exec(DROP_TABLES);
    db.exec(SCHEMA);
    this.statements = prepare(db);
    // Inside the append's transaction this is a savepoint: a projection that throws
    // undoes only its own writes.
    this.guarded = db.transaction((work: () => void) => work());
  }

  /** Whether the tables were built by this version of the projection. */
  get current(): boolean {
    return this.statements.getVersion.get()?.value === String(READ_VERSION);
  }

  /**
   * Projects events the log has just stored, in the log's transaction. An event whose
   * projection throws (a bug, or an event the rules cannot take) is recorded in
   * `read_failures` and skipped, so it never costs the log its append; a failure of the
   * storage itself is thrown, and fails the append.
   */
  project(batch: readonly Appended[], admitted = this.admitted): void {
    try {
      this.guarded(() => this.projectBatch(batch, admitted));
      return;
    } catch (error) {
      if (isStorageFailure(error)) throw error;
    }
    // Something in the batch threw: again one by one, to keep all the others.
    for (const appended of batch) {
      try {
        this.guarded(() => this.projectBatch([appended], admitted));
      } catch (error) {
        if (isStorageFailure(error)) throw error;
        const { event, seq } = appended;
        const message = error instanceof Error ? error.message : String(error);
        this.statements.fail.run(event.room, seq, event.id, message);
      }
    }
  }

  /**
   * Empties the read tables and projects the whole log again, room by room, in one
   * transaction that also records this version: an interrupted rebuild leaves the old
   * tables, and a relay appending at the same time waits for it.
   */
  rebuild({ onProgress }: RebuildOptions = {}): { events: number } {
    return this.db
      .transaction(() => {
        this.db.exec(DROP_TABLES);
        this.db.exec(SCHEMA);
        this.statements = prepare(this.db);
        const total = this.statements.count.get()?.n ?? 0;
        let done = 0;
        let after: [string, number] = ['', 0];
        for (;;) {
          const rows = this.statements.page.all(...after, REBUILD_PAGE);
          if (rows.length === 0) break;
          this.project(
            rows.map(({ pos, seq, rts, body }) => ({
              event: JSON.parse(body) as AnyEvent,
              pos,
              seq,
              rts,
            })),
            false,
          );
          const last = rows.at(-1)!;
          after = [last.room, last.seq];
          done += rows.length;
          onProgress?.(done, total);
        }
        this.statements.putVersion.run(String(READ_VERSION));
        return { events: done };
      })
      .immediate();
  }

  /** Events left out of the read side because their projection threw. */
  failures(): ReadFailure[] {
    return this.statements.failures.all();
  }

  /**
   * Projects events read as the client reads them (checked, then upcast; unknown and
   * invalid ones count towards the room's head but are not projected), with one `rooms`
   * write per room rather than per event: the batch's events of a room come in sequence order,
   * so the room ends at the last one's head and time, with all its messages counted. The
   * row is written first, so a `room.created` or `room.renamed` finds it.
   */
  private projectBatch(batch: readonly Appended[], admitted: boolean): void {
    this.mayPend = this.statements.anyPending.get() !== undefined;
    const rooms = new Map<RoomId, { head: number; messages: number; rts: number }>();
    const known = batch.map(({ event, seq, rts }) => {
      const current = admitted && isCurrent(event) ? (event as KafkyEvent) : readCurrent(event);
      const room = rooms.get(event.room) ?? { head: seq, messages: 0, rts };
      room.head = seq;
      room.rts = rts;
      if (current?.type === 'message.sent') room.messages += 1;
      rooms.set(event.room, room);
      return current;
    });
    for (const [room, { head, messages, rts }] of rooms) {
      this.statements.touchRoom.run(room, head, messages, rts);
    }
    batch.forEach(({ pos, seq, rts }, i) => {
      const event = known[i];
      if (event) this.apply(event, pos, seq, rts);
    });
  }

  private apply(event: KafkyEvent, pos: number, seq: number, rts: number): void {
    switch (event.type) {
      case 'message.sent':
        return this.sent(event, pos, seq, rts);
      case 'message.edited':
      case 'message.deleted':
      case 'reaction.set':
        return this.relate(event, seq);
      case 'room.created':
        this.statements.created.run(event.payload.name, event.author, event.room);
        return;
      case 'room.renamed':
        this.statements.renamed.run(event.payload.name, event.room);
        return;
    }
  }

  private sent(message: MessageSent, pos: number, seq: number, rts: number): void {
    const { id, room, author, ts, payload } = message;
    // Relations that came before their message apply now, in the room's order.
    const pending = this.mayPend ? this.statements.pending.all(room, id) : [];
    let state = messageState(message);
    for (const { body } of pending)
      state = applyRelation(state, JSON.parse(body) as MessageRelation);
    if (pending.length > 0) this.statements.dropPending.run(room, id);
    this.statements.insertMessage.run(
      pos,
      id,
      room,
      seq,
      author,
      state.text,
      ts,
      rts,
      payload.replyTo ?? null,
      Number(state.edited),
      Number(state.deleted),
      JSON.stringify(state.reactions),
    );
  }

  private relate(relation: MessageRelation, seq: number): void {
    const target = relation.payload.target;
    const row = this.statements.message.get(target);
    // Not (yet) a message of this room: it waits for one. A relation to a message of
    // another room therefore waits for good, which is how the client ignores it; and
    // whether it waits does not depend on how the rooms' events interleave, so a rebuild
    // (room by room) gives the same tables.
    if (row?.room !== relation.room) {
      this.statements.addPending.run(relation.room, target, seq, JSON.stringify(relation));
      this.mayPend = true;
      return;
    }
    const state: MessageState = {
      author: row.author,
      text: row.text,
      edited: row.edited === 1,
      deleted: row.deleted === 1,
      reactions: JSON.parse(row.reactions) as MessageState['reactions'],
    };
    const next = applyRelation(state, relation);
    if (next === state) return;
    this.statements.updateMessage.run(
      next.text,
      Number(next.edited),
      Number(next.deleted),
      JSON.stringify(next.reactions),
      row.pos,
    );
  }
}

/** Whether the read tables in `db` were built by version `version` of the projection. */
function isBuiltBy(db: Database.Database, version: number): boolean {
  const row = db
    .prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'read_version'")
    .get();
  return row?.value === String(version);
}

/** Whether an event is of a type this code knows, at the version it writes (nothing to upcast). */
function isCurrent(event: AnyEvent): boolean {
  return EVENT_REGISTRY.knows(event) && EVENT_REGISTRY.currentVersion(event.type) === event.v;
}

/** The event as this code reads it (checked, upcast), or null if unknown or invalid. */
function readCurrent(event: AnyEvent): KafkyEvent | null {
  const read = readEvent(event);
  return read.kind === 'current' ? read.event : null;
}

/** SQLite's codes for a store that cannot take writes now, as opposed to bad data. */
const STORAGE_FAILURE =
  /^SQLITE_(FULL|IOERR|BUSY|LOCKED|NOMEM|READONLY|CORRUPT|CANTOPEN|NOTADB|INTERRUPT|PROTOCOL|PERM)/;

function isStorageFailure(error: unknown): boolean {
  return error instanceof Database.SqliteError && STORAGE_FAILURE.test(error.code);
}
