import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyEvent, RoomId } from '../../shared/index.ts';
import { ReadQueries } from '../read/queries.ts';
import { AUTHORS, make } from '../read/history.ts';
import { SqliteEventLog } from './sqlite-event-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafky-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const [ANN, BOB] = AUTHORS as [(typeof AUTHORS)[0], (typeof AUTHORS)[0]];
const LOBBY = 'lobby' as RoomId;
const OTHER = 'room-b' as RoomId;
const ALL = { maxEvents: 1000, maxBytes: 1e9 };

/** A file as a relay of schema 2 left it: events keyed by (room, seq), read side 1. */
function schema2File(events: { event: AnyEvent; seq: number; rts: number }[]): string {
  const file = join(dir, `v2-${Math.random().toString(36).slice(2)}.sqlite`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    CREATE TABLE events (
      room TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
      v INTEGER NOT NULL, author TEXT NOT NULL, ts INTEGER NOT NULL, rts INTEGER NOT NULL,
      body TEXT NOT NULL, PRIMARY KEY (room, seq)
    ) STRICT, WITHOUT ROWID;
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, event TEXT NOT NULL) STRICT, WITHOUT ROWID;
    CREATE TABLE messages (
      id TEXT NOT NULL PRIMARY KEY, room TEXT NOT NULL, seq INTEGER NOT NULL,
      author TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL, rts INTEGER NOT NULL,
      reply_to TEXT, edited INTEGER NOT NULL, deleted INTEGER NOT NULL, reactions TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX messages_by_room ON messages (room, seq);
    INSERT INTO meta VALUES ('schema_version', '2'), ('epoch', 'old-epoch'), ('read_version', '1');
  `);
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  for (const { event, seq, rts } of events) {
    const { room, id, type, v, author, ts } = event;
    insert.run(room, seq, id, type, v, author, ts, rts, JSON.stringify(event));
  }
  db.prepare("INSERT INTO idempotency_keys VALUES ('bot-key', ?)").run(events[0]!.event.id);
  db.close();
  return file;
}

describe('opening a log of schema 2', () => {
  it('moves every event over with its place, keeps the epoch and keys, and rebuilds the read side', async () => {
    const hello = make.sent(LOBBY, ANN, 'hello');
    const there = make.sent(OTHER, BOB, 'over there');
    const liked = make.reaction(LOBBY, BOB, hello.id, '👍', true);
    const stored = [
      { event: hello, seq: 1, rts: 10 },
      { event: there, seq: 1, rts: 11 },
      { event: liked, seq: 2, rts: 12 },
    ];
    const log = new SqliteEventLog(schema2File(stored));
    expect(log.rebuiltOnOpen).toBe(true);
    expect(log.epoch).toBe('old-epoch');
    expect(
      log.database.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get(),
    ).toEqual({ value: '3' });
    expect(await log.read(LOBBY, 0, ALL)).toEqual([
      { ...hello, seq: 1, rts: 10 },
      { ...liked, seq: 2, rts: 12 },
    ]);
    expect(await log.head(OTHER)).toBe(1);
    const queries = new ReadQueries(log.database);
    const [message] = queries.messages(LOBBY, { limit: 10 }).messages;
    expect(message).toMatchObject({ id: hello.id, seq: 1, text: 'hello' });
    expect(message?.reactions).toEqual([{ key: '👍', authors: [BOB] }]);
    // Known ids and keys are still known; new events follow each room's sequence.
    const [again, next] = await log.append([hello, make.sent(LOBBY, ANN, 'next')], 20);
    expect(again).toMatchObject({ id: hello.id, seq: 1, duplicate: true });
    expect(next).toMatchObject({ seq: 3, duplicate: false });
    const retry = make.sent(LOBBY, ANN, 'retry');
    const [keyed] = await log.append([retry], 21, new Map([[retry.id, 'bot-key']]));
    expect(keyed).toMatchObject({ id: hello.id, duplicate: true });
    // Still append-only, and sound.
    expect(() => log.database.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    expect(log.integrityCheck()).toBe('ok');
    await log.close();
  });
});
