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
  storedSize,
  type AppendResult,
  type EventLog,
  type IdempotencyKeys,
  type ReadLimits,
} from './event-log.ts';

/**
 * 2: idempotency keys, and the read side (whose own version is READ_VERSION). An older
 * relay must not open the file: it would append without projecting.
 */
const SCHEMA_VERSION = 2;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS events (
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    v INTEGER NOT NULL,
    author TEXT NOT NULL,
    ts INTEGER NOT NULL,
    rts INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (room, seq)
  ) STRICT, WITHOUT ROWID;
  -- The log is append-only: history is never rewritten, only added to.
  CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
  CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
  -- Write side, not read side: a rebuild never touches it.
  CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    event TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
`;

interface Row {
  seq: number;
  rts: number;
  body: string;
}

type Statements = ReturnType<typeof prepare>;

function prepare(db: Database.Database) {
  return {
    byId: db.prepare<[string], { room: RoomId; seq: number; rts: number }>(
      'SELECT room, seq, rts FROM events WHERE id = ?',
    ),
    head: db.prepare<[string], { head: number | null }>(
      'SELECT max(seq) AS head FROM events WHERE room = ?',
    ),
    insert: db.prepare<[string, number, string, string, number, string, number, number, string]>(
      'INSERT INTO events (room, seq, id, type, v, author, ts, rts, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    range: db.prepare<[string, number, number], Row>(
      'SELECT seq, rts, body FROM events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?',
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
}

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
  private readonly appendTx: Database.Transaction<
    (events: readonly AnyEvent[], now: number, keys?: IdempotencyKeys) => AppendResult[]
  >;

  constructor(
    readonly file: string,
    options: SqliteEventLogOptions = {},
  ) {
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
      this.epoch = this.initMeta();
      this.readModel = new ReadModel(this.db);
      this.rebuiltOnOpen = !this.readModel.current;
      if (this.rebuiltOnOpen) this.readModel.rebuild({ onProgress: options.onRebuild });
    } catch (error) {
      this.db.close();
      throw storageError(error, `could not open ${file}`);
    }
    this.appendTx = this.db.transaction((events, now, keys) => {
      // Heads of the rooms this transaction touched, so each room costs one max() query.
      const heads = new Map<RoomId, number>();
      const fresh: Appended[] = [];
      const results = events.map((event): AppendResult => {
        const key = keys?.get(event.id);
        const keyed = key === undefined ? undefined : this.statements.byKey.get(key)?.event;
        const knownId = keyed ?? event.id;
        const known = this.statements.byId.get(knownId);
        if (known) return { id: knownId, ...known, duplicate: true };
        const seq = (heads.get(event.room) ?? this.headSync(event.room)) + 1;
        heads.set(event.room, seq);
        const { id, type, v, room, author, ts } = event;
        this.statements.insert.run(room, seq, id, type, v, author, ts, now, JSON.stringify(event));
        if (key !== undefined) this.statements.putKey.run(key, id);
        fresh.push({ event, seq, rts: now });
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
      // IMMEDIATE takes the write lock up front, so the duplicate checks and the inserts
      // see one consistent log.
      return Promise.resolve(this.appendTx.immediate(events, now, keys));
    } catch (error) {
      return Promise.reject(storageError(error, 'could not store events'));
    }
  }

  read(room: RoomId, after: number, limits: ReadLimits): Promise<SequencedEvent[]> {
    try {
      const page: SequencedEvent[] = [];
      let bytes = 0;
      for (const row of this.statements.range.iterate(room, after, limits.maxEvents)) {
        bytes += storedSize(row.body);
        // Leaving the loop early ends the statement's iterator, so it can run again.
        if (page.length > 0 && bytes > limits.maxBytes) break;
        page.push({ ...(JSON.parse(row.body) as AnyEvent), seq: row.seq, rts: row.rts });
      }
      return Promise.resolve(page);
    } catch (error) {
      return Promise.reject(storageError(error, 'could not read events'));
    }
  }

  head(room: RoomId): Promise<number> {
    try {
      return Promise.resolve(this.headSync(room));
    } catch (error) {
      return Promise.reject(storageError(error, 'could not read the head'));
    }
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

  private headSync(room: RoomId): number {
    return this.statements.head.get(room)?.head ?? 0;
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
        // Every change so far only adds tables, which SCHEMA has just created.
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

/** Codes (SQLite's and the OS's) that mean "no room left", as opposed to any other failure. */
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC']);

function storageError(error: unknown, what: string): KafkyError {
  if (error instanceof KafkyError) return error;
  const code = (error as { code?: unknown }).code;
  const full = typeof code === 'string' && FULL_CODES.has(code);
  const message = error instanceof Error ? error.message : String(error);
  return new KafkyError(
    full ? 'storage_full' : 'storage_failed',
    full ? `the relay's disk is full: ${what}: ${message}` : `${what}: ${message}`,
    { cause: error },
  );
}
