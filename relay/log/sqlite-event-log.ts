import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  KafkyError,
  type AnyEvent,
  type EventId,
  type RoomId,
  type SequencedEvent,
} from '../../shared/index.ts';
import { ReadModel, type Appended, type RebuildOptions } from '../read/read-model.ts';
import {
  randomId,
  type AppendResult,
  type EventLog,
  type IdempotencyKeys,
  type ReadLimits,
} from './event-log.ts';
import { LogReader } from './log-reader.ts';
import { storageError } from './storage-error.ts';

/**
 * 2: idempotency keys, and the read side (whose own version is READ_VERSION). An older
 * relay must not open the file: it would append without projecting.
 * 3: events in arrival order (`pos`), each room's sequence in an index beside them; a file
 * of 2 is moved over when opened (see migrateEvents).
 */
const SCHEMA_VERSION = 3;

/**
 * The log's table. Rows go in arrival order (`pos`, the rowid), so a commit's events land
 * on the table's last page or two, and its indexes on (room, seq) and id hold a few dozen
 * bytes a row. Keyed by (room, seq) instead, each commit wrote into every room's part of
 * the table and split pages in the middle of it: 69 pages written per commit of 24 events
 * over 10 rooms (with the read side) against 27 now, and the fsync's cost grows with them.
 * `pos` is an INTEGER PRIMARY KEY so that it never changes (VACUUM keeps it): the read
 * side's rows are keyed by it.
 */
const eventsTable = (name: string) => `
  CREATE TABLE IF NOT EXISTS ${name} (
    pos INTEGER PRIMARY KEY,
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    v INTEGER NOT NULL,
    author TEXT NOT NULL,
    ts INTEGER NOT NULL,
    rts INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (room, seq)
  ) STRICT;
`;

// The log is append-only: history is never rewritten, only added to.
const APPEND_ONLY = `
  CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
  CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
`;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  ${eventsTable('events')}
  ${APPEND_ONLY}
  -- Write side, not read side: a rebuild never touches it.
  CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    event TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
`;

type Statements = ReturnType<typeof prepare>;

function prepare(db: Database.Database) {
  return {
    byId: db.prepare<[string], { room: RoomId; seq: number; rts: number }>(
      'SELECT room, seq, rts FROM events WHERE id = ?',
    ),
    // A known id stores nothing (no change): the UNIQUE index is the duplicate check, so a
    // new event, the common case, costs no lookup of its own.
    insert: db.prepare<[string, number, string, string, number, string, number, number, string]>(
      `INSERT INTO events (room, seq, id, type, v, author, ts, rts, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    ),
    byKey: db.prepare<[string], { event: EventId }>(
      'SELECT event FROM idempotency_keys WHERE key = ?',
    ),
    putKey: db.prepare<[string, string]>('INSERT INTO idempotency_keys (key, event) VALUES (?, ?)'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    putMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

export interface SqliteEventLogOptions {
  /** Progress of the read side's rebuild, when the log finds it out of date on opening. */
  onRebuild?: RebuildOptions['onProgress'];
  /**
   * Every event appended passed the relay's admission first (the hub's pushes and the REST
   * API's posts do): the read side need not check their schemas again (see ReadModel).
   */
  admitted?: boolean;
  /** How many rooms' heads are kept in memory (the most recently written): see `heads`. */
  headsKept?: number;
}

/** Rooms whose heads a log keeps in memory, by default. */
export const HEADS_KEPT = 10_000;

/**
 * The log in one SQLite file. WAL mode with synchronous=FULL: when `append` resolves,
 * the transaction is on disk and survives a crash or a power cut.
 */
export class SqliteEventLog implements EventLog {
  readonly epoch: string;
  private readonly db: Database.Database;
  /** The read tables, projected in each append's transaction. */
  readonly readModel: ReadModel;
  /** Whether opening rebuilt the read side (it was missing or of another version). */
  readonly rebuiltOnOpen: boolean;
  private readonly statements: Statements;
  private readonly reader: LogReader;
  /**
   * Rooms' heads as of the last commit, for the most recently written rooms (a Map keeps
   * insertion order: each commit moves its rooms to the end, the first are let go). This
   * log is its file's only writer (the relay opens it once), so a room's head is read
   * from the file when it is not kept, and is then right. Bounded: a relay that runs for
   * months sees rooms without end (each invite link can make one).
   */
  private readonly heads = new Map<RoomId, number>();
  private readonly headsKept: number;
  private readonly appendTx: Database.Transaction<
    (
      events: readonly AnyEvent[],
      now: number,
      keys: IdempotencyKeys | undefined,
      heads: Map<RoomId, number>,
    ) => AppendResult[]
  >;

  constructor(
    readonly file: string,
    options: SqliteEventLogOptions = {},
  ) {
    this.headsKept = options.headsKept ?? HEADS_KEPT;
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      this.db = new Database(file);
    } catch (error) {
      throw storageError(error, `could not open ${file}`);
    }
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      // Only this process writes, but an operator's sqlite3 shell may hold a read lock.
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
      this.statements = prepare(this.db);
      this.reader = new LogReader(this.db);
      this.epoch = this.initMeta();
      this.readModel = new ReadModel(this.db, options.admitted);
      this.rebuiltOnOpen = !this.readModel.current;
      if (this.rebuiltOnOpen) this.readModel.rebuild({ onProgress: options.onRebuild });
    } catch (error) {
      this.db.close();
      throw storageError(error, `could not open ${file}`);
    }
    this.appendTx = this.db.transaction((events, now, keys, heads) => {
      const fresh: Appended[] = [];
      const results = events.map((event): AppendResult => {
        const key = keys?.get(event.id);
        const keyed = key === undefined ? undefined : this.statements.byKey.get(key)?.event;
        if (keyed !== undefined) return this.original(keyed);
        const { id, type, v, room, author, ts } = event;
        const seq = (heads.get(room) ?? this.heads.get(room) ?? this.reader.headNow(room)) + 1;
        const { changes, lastInsertRowid } = this.statements.insert.run(
          room,
          seq,
          id,
          type,
          v,
          author,
          ts,
          now,
          JSON.stringify(event),
        );
        if (changes === 0) return this.original(id);
        heads.set(room, seq);
        if (key !== undefined) this.statements.putKey.run(key, id);
        fresh.push({ event, pos: Number(lastInsertRowid), seq, rts: now });
        return { id, room, seq, rts: now, duplicate: false };
      });
      this.readModel.project(fresh);
      return results;
    });
  }

  append(
    events: readonly AnyEvent[],
    now: number,
    keys?: IdempotencyKeys,
  ): Promise<AppendResult[]> {
    try {
      return Promise.resolve(this.appendNow(events, now, keys));
    } catch (error) {
      return Promise.reject(storageError(error, 'could not store events'));
    }
  }

  /** `append`, synchronously: returns once the transaction is on disk; throws KafkyError. */
  appendNow(events: readonly AnyEvent[], now: number, keys?: IdempotencyKeys): AppendResult[] {
    // The heads this transaction moves, kept apart until it commits: a failed one moved none.
    const moved = new Map<RoomId, number>();
    let results: AppendResult[];
    try {
      // IMMEDIATE takes the write lock up front, so the duplicate checks and the inserts
      // see one consistent log.
      results = this.appendTx.immediate(events, now, keys, moved);
    } catch (error) {
      throw storageError(error, 'could not store events');
    }
    for (const [room, head] of moved) {
      this.heads.delete(room);
      this.heads.set(room, head);
    }
    for (const room of this.heads.keys()) {
      if (this.heads.size <= this.headsKept) break;
      this.heads.delete(room);
    }
    return results;
  }

  read(room: RoomId, after: number, limits: ReadLimits): Promise<SequencedEvent[]> {
    return this.reader.read(room, after, limits);
  }

  /** How many rooms' heads are kept in memory now (for tests). */
  get headsHeld(): number {
    return this.heads.size;
  }

  head(room: RoomId): Promise<number> {
    return this.reader.head(room);
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }

  /** The database's own consistency check: 'ok' when sound. For tests and operators. */
  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  /** A pragma's current value, e.g. `journal_mode`; for tests and operators. */
  pragma(name: string): unknown {
    return this.db.pragma(name, { simple: true });
  }

  /** Raw access for tests that must prove the log refuses to be rewritten. */
  get database(): Database.Database {
    return this.db;
  }

  /** The place of an event the log holds already, as a duplicate's result. */
  private original(id: EventId): AppendResult {
    const known = this.statements.byId.get(id);
    if (!known) throw new Error(`event ${id} is neither new nor stored`);
    return { id, ...known, duplicate: true };
  }

  /**
   * Moves a log of schema 2 (one table keyed by room and sequence) into schema 3's table,
   * in arrival order as far as the old one tells it (by `rts`). Every event keeps its room,
   * sequence, id and body; the read side, keyed by the new positions, is rebuilt after.
   */
  private migrateEvents(): void {
    const columns = this.db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('events')")
      .all();
    if (columns.length === 0 || columns.some(({ name }) => name === 'pos')) return;
    this.db.exec(`
      ${eventsTable('events_v3')}
      INSERT INTO events_v3 (room, seq, id, type, v, author, ts, rts, body)
        SELECT room, seq, id, type, v, author, ts, rts, body FROM events ORDER BY rts, room, seq;
      DROP TABLE events;
      ALTER TABLE events_v3 RENAME TO events;
      ${APPEND_ONLY}
    `);
  }

  private initMeta(): string {
    return this.db
      .transaction(() => {
        const { getMeta, putMeta } = this.statements;
        const version = getMeta.get('schema_version')?.value;
        if (Number(version) > SCHEMA_VERSION) {
          throw new KafkyError(
            'storage_failed',
            `${this.file} was written by a newer Kafky (schema ${version}); upgrade the relay`,
          );
        }
        // Every other change so far only adds tables, which SCHEMA has just created.
        this.migrateEvents();
        putMeta.run('schema_version', String(SCHEMA_VERSION));
        const epoch = getMeta.get('epoch')?.value;
        if (epoch) return epoch;
        const fresh = randomId();
        putMeta.run('epoch', fresh);
        return fresh;
      })
      .immediate();
  }
}
