import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { KafkyError } from '../../shared/index.ts';
import { describeEventLog, event, ROOM_A, ROOM_B } from './event-log.contract.ts';
import { SqliteEventLog } from './sqlite-event-log.ts';
import { ThreadedEventLog } from './threaded-event-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafky-threaded-'));
let files = 0;
const freshFile = () => join(dir, `nested/log-${++files}.sqlite`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALL = { maxEvents: 1000, maxBytes: 1e9 };

/** Writers that died in a test that did not expect it: each such test fails. */
const unexpected: KafkyError[] = [];
afterEach(() => expect(unexpected.splice(0).map((e) => e.message)).toEqual([]));
const open = (file: string) =>
  ThreadedEventLog.open(file, { onFailure: (error) => unexpected.push(error) });

describeEventLog('sqlite file, written on its own thread', () => open(freshFile()));

describe('ThreadedEventLog', () => {
  it('writes the same file the single-threaded log reads, durably and in WAL mode', async () => {
    const file = freshFile();
    const log = await open(file);
    const [a, b] = await log.append([event(ROOM_A), event(ROOM_B)], 5);
    expect(log.database.pragma('journal_mode', { simple: true })).toBe('wal');
    await log.close();
    // Closed by its writer, the last connection, the WAL was checkpointed into the file.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = new SqliteEventLog(file);
    expect(reopened.epoch).toBe(log.epoch);
    expect(reopened.pragma('synchronous')).toBe(2);
    expect(await reopened.read(ROOM_A, 0, ALL)).toMatchObject([{ id: a!.id, seq: 1, rts: 5 }]);
    expect(await reopened.read(ROOM_B, 0, ALL)).toMatchObject([{ id: b!.id, seq: 1, rts: 5 }]);
    await reopened.close();
  });

  it('projects the read side in the append and lets queries read it, but never write', async () => {
    const log = await open(freshFile());
    await log.append([event(ROOM_A, 'hello')], 1);
    const rooms = log.database.prepare('SELECT id, head FROM rooms').all();
    expect(rooms).toEqual([{ id: ROOM_A, head: 1 }]);
    expect(() => log.database.prepare("DELETE FROM rooms WHERE id = 'x'").run()).toThrow(
      /readonly/,
    );
    expect(log.integrityCheck()).toBe('ok');
    await log.close();
  });

  it('keeps sequences dense across appends sent without waiting for each other', async () => {
    const log = await open(freshFile());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => log.append([event(i % 2 ? ROOM_A : ROOM_B)], i)),
    );
    expect(
      results
        .flat()
        .filter((r) => r.room === ROOM_A)
        .map((r) => r.seq),
    ).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(await log.head(ROOM_B)).toBe(10);
    await log.close();
  });

  it('answers each of the appends it commits together with its own results', async () => {
    const log = await open(freshFile());
    const first = event(ROOM_A);
    // Sent before the writer takes any: it commits those queued behind the first with it.
    const [a, b, c] = await Promise.all([
      log.append([first, event(ROOM_B)], 1),
      log.append([first], 2),
      log.append([event(ROOM_A)], 3),
    ]);
    expect(a).toMatchObject([
      { id: first.id, room: ROOM_A, seq: 1, duplicate: false },
      { room: ROOM_B, seq: 1, duplicate: false },
    ]);
    expect(b).toEqual([{ ...a[0], duplicate: true }]);
    expect(c).toMatchObject([{ room: ROOM_A, seq: 2, duplicate: false }]);
    await log.close();
  });

  it('fails to open a file of a newer schema, saying why', async () => {
    const file = freshFile();
    const first = new SqliteEventLog(file);
    first.database.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    await first.close();
    const opening = open(file);
    await expect(opening).rejects.toBeInstanceOf(KafkyError);
    await expect(opening).rejects.toMatchObject({
      code: 'storage_failed',
      message: /newer Kafky \(schema 99\)/,
    });
  });

  it('fails to open what is not a database, as storage_failed', async () => {
    const file = join(dir, 'not-a-db.sqlite');
    writeFileSync(file, 'this is not SQLite. '.repeat(100));
    await expect(open(file)).rejects.toMatchObject({
      code: 'storage_failed',
      message: /could not open .*not-a-db.*not a database/,
    });
  });

  it('passes a failed append on as the same error, and goes on appending', async () => {
    const file = freshFile();
    const log = await open(file);
    const writer = new Database(file);
    // Refuses one event of the batch: the whole batch fails, with SQLite's reason and code.
    writer.exec(`CREATE TRIGGER refuse BEFORE INSERT ON events
      WHEN NEW.body LIKE '%refuse me%' BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END;`);
    writer.close();
    const appending = log.append([event(ROOM_A, 'fine'), event(ROOM_A, 'refuse me')], 1);
    await expect(appending).rejects.toBeInstanceOf(KafkyError);
    await expect(appending).rejects.toMatchObject({
      code: 'storage_failed',
      message: /refused by a trigger/,
      cause: { code: 'SQLITE_CONSTRAINT_TRIGGER' },
    });
    expect(await log.head(ROOM_A)).toBe(0);
    const [ok] = await log.append([event(ROOM_A, 'fine')], 2);
    expect(ok?.seq).toBe(1);
    await log.close();
  });

  it('rejects every append waiting on a writer that dies, and every later one, and says so', async () => {
    const onFailure = vi.fn();
    const log = await ThreadedEventLog.open(freshFile(), { onFailure });
    await log.append([event()], 1);
    const waiting = log.append([event()], 2);
    await log.crashWriter();
    await expect(waiting).rejects.toMatchObject({ code: 'storage_failed', message: /writer/ });
    await expect(log.append([event()], 3)).rejects.toMatchObject({ code: 'storage_failed' });
    expect(onFailure).toHaveBeenCalledOnce();
    expect(onFailure.mock.calls[0]![0]).toBeInstanceOf(KafkyError);
    // What was committed before stays readable.
    expect(await log.head(ROOM_A)).toBeGreaterThanOrEqual(1);
    await log.close();
  });
});
