import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KafkyError, type AnyEvent, type RoomId, type SequencedEvent } from '../../shared/index.ts';
import { randomId, type AppendResult, type EventLog, type ReadLimits } from './event-log.ts';

const SCHEMA_VERSION = 1;

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
`;

interface Row {
  seq: number;
  rts: number;
  body: string;
}

/**
 * The log in one SQLite file. WAL mode with synchronous=FULL: when `append` returns,
 * the transaction is on disk and survives a crash or a power cut.
 */
export class SqliteEventLog implements EventLog {
  readonly epoch: string;
  private readonly db: Database.Database;
  private readonly statements;
  private readonly appendTx;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.epoch = this.initMeta();
    this.statements = {
      byId: this.db.prepare<[string], { room: RoomId; seq: number; rts: number }>(
        'SELECT room, seq, rts FROM events WHERE id = ?',
      ),
      head: this.db.prepare<[string], { head: number | null }>(
        'SELECT max(seq) AS head FROM events WHERE room = ?',
      ),
      insert: this.db.prepare(
        'INSERT INTO events (room, seq, id, type, v, author, ts, rts, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      range: this.db.prepare<[string, number, number], Row>(
        'SELECT seq, rts, body FROM events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
    };
    this.appendTx = this.db.transaction((events: readonly AnyEvent[], now: number) => {
      const heads = new Map<RoomId, number>();
      return events.map((event): AppendResult => {
        const known = this.statements.byId.get(event.id);
        if (known)
          return {
            id: event.id,
            room: known.room,
            seq: known.seq,
            rts: known.rts,
            duplicate: true,
          };
        const seq = (heads.get(event.room) ?? this.headSync(event.room)) + 1;
        heads.set(event.room, seq);
        const { id, type, v, room, author, ts } = event;
        this.statements.insert.run(room, seq, id, type, v, author, ts, now, JSON.stringify(event));
        return { id, room, seq, rts: now, duplicate: false };
      });
    });
  }

  append(events: readonly AnyEvent[], now: number): Promise<AppendResult[]> {
    try {
      return Promise.resolve(this.appendTx.immediate(events, now));
    } catch (error) {
      return Promise.reject(storageError(error));
    }
  }

  read(room: RoomId, after: number, limits: ReadLimits): Promise<SequencedEvent[]> {
    const page: SequencedEvent[] = [];
    let bytes = 0;
    for (const row of this.statements.range.iterate(room, after, limits.maxEvents)) {
      bytes += row.body.length;
      if (page.length > 0 && bytes > limits.maxBytes) break;
      page.push({
        ...(JSON.parse(row.body) as AnyEvent),
        seq: row.seq,
        rts: row.rts,
      });
    }
    return Promise.resolve(page);
  }

  head(room: RoomId): Promise<number> {
    return Promise.resolve(this.headSync(room));
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }

  /** For tests and operators: the database's own consistency check. */
  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

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
    return this.db.transaction(() => {
      const get = this.db.prepare<[string], { value: string }>(
        'SELECT value FROM meta WHERE key = ?',
      );
      const put = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      const version = get.get('schema_version')?.value;
      if (version === undefined) put.run('schema_version', String(SCHEMA_VERSION));
      else if (Number(version) > SCHEMA_VERSION) {
        throw new KafkyError(
          'storage_failed',
          `${this.file} was written by a newer Kafky (schema ${version}); upgrade the relay`,
        );
      }
      const epoch = get.get('epoch')?.value;
      if (epoch) return epoch;
      const fresh = randomId();
      put.run('epoch', fresh);
      return fresh;
    })();
  }
}

function storageError(error: unknown): KafkyError {
  const code = (error as { code?: string }).code;
  const full = code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE';
  const message = error instanceof Error ? error.message : String(error);
  return new KafkyError(
    full ? 'storage_full' : 'storage_failed',
    full ? `the relay's disk is full: ${message}` : `the relay could not store events: ${message}`,
    { cause: error },
  );
}
