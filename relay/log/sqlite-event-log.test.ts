import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkyError, type RoomId } from '../../shared/index.ts';
import { describeEventLog, event, ROOM_A } from './event-log.contract.ts';
import { SqliteEventLog } from './sqlite-event-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafky-log-'));
let files = 0;
// In a folder that does not exist yet: the log must create it.
const freshFile = () => join(dir, `nested/log-${++files}.sqlite`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALL = { maxEvents: 1000, maxBytes: 1e9 };

describeEventLog('sqlite file', () => new SqliteEventLog(freshFile()));

describe('SqliteEventLog', () => {
  it('keeps the heads of the rooms written last, and numbers every room right past them', async () => {
    const log = new SqliteEventLog(freshFile(), { headsKept: 2 });
    const rooms = ['r1', 'r2', 'r3', 'r4'] as RoomId[];
    // Round after round, each room's head has been let go since it was last written.
    for (let round = 1; round <= 3; round++) {
      for (const room of rooms) {
        const [first, second] = await log.append([event(room), event(room)], round);
        expect([first?.seq, second?.seq]).toEqual([2 * round - 1, 2 * round]);
        expect(log.headsHeld).toBeLessThanOrEqual(2);
      }
    }
    // One commit for more rooms than are kept: each still gets the next sequence.
    const results = await log.append(
      rooms.map((room) => event(room)),
      4,
    );
    expect(results.map((r) => r.seq)).toEqual([7, 7, 7, 7]);
    expect(log.headsHeld).toBe(2);
    for (const room of rooms) expect(await log.head(room)).toBe(7);
    await log.close();
  });

  it('is in WAL mode with synchronous=FULL', async () => {
    const log = new SqliteEventLog(freshFile());
    expect(log.pragma('journal_mode')).toBe('wal');
    expect(log.pragma('synchronous')).toBe(2);
    expect(log.pragma('busy_timeout')).toBeGreaterThan(0);
    await log.close();
  });

  it('keeps its events and epoch across a reopen; a new file gets a new epoch', async () => {
    const file = freshFile();
    const first = new SqliteEventLog(file);
    const stored = [event(), event()];
    await first.append(stored, 5);
    const epoch = first.epoch;
    await first.close();

    const reopened = new SqliteEventLog(file);
    expect(reopened.epoch).toBe(epoch);
    expect(await reopened.read(ROOM_A, 0, ALL)).toEqual([
      { ...stored[0], seq: 1, rts: 5 },
      { ...stored[1], seq: 2, rts: 5 },
    ]);
    // The sequence goes on where it stopped, and ids stored before are still known.
    const [again, next] = await reopened.append([stored[0]!, event()], 6);
    expect(again).toMatchObject({ seq: 1, rts: 5, duplicate: true });
    expect(next).toMatchObject({ seq: 3, duplicate: false });
    expect(reopened.integrityCheck()).toBe('ok');
    await reopened.close();

    const other = new SqliteEventLog(freshFile());
    expect(other.epoch).not.toBe(epoch);
    await other.close();
  });

  it('keeps idempotency keys across a reopen, and across a rebuild of the read side', async () => {
    const file = freshFile();
    const first = new SqliteEventLog(file);
    const sent = event(ROOM_A, 'bot');
    const [stored] = await first.append([sent], 5, new Map([[sent.id, 'bot-key']]));
    await first.close();

    const reopened = new SqliteEventLog(file);
    reopened.readModel.rebuild();
    const retry = event(ROOM_A, 'bot');
    expect(await reopened.append([retry], 6, new Map([[retry.id, 'bot-key']]))).toEqual([
      { ...stored, duplicate: true },
    ]);
    expect(await reopened.head(ROOM_A)).toBe(1);
    await reopened.close();
  });

  it('upgrades a log of schema 1 and refuses one of a newer schema', async () => {
    const file = freshFile();
    const log = new SqliteEventLog(file);
    await log.append([event()], 1);
    log.database.prepare("UPDATE meta SET value = '1' WHERE key = 'schema_version'").run();
    await log.close();
    const upgraded = new SqliteEventLog(file);
    expect(
      upgraded.database.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get(),
    ).toEqual({ value: '3' });
    upgraded.database.prepare("UPDATE meta SET value = '4' WHERE key = 'schema_version'").run();
    await upgraded.close();
    expect(() => new SqliteEventLog(file)).toThrow(/newer Kafky \(schema 4\)/);
  });

  it('refuses to rewrite or delete history', async () => {
    const log = new SqliteEventLog(freshFile());
    await log.append([event()], 1);
    expect(() => log.database.prepare("UPDATE events SET body = '{}'").run()).toThrow(
      /events are append-only/,
    );
    expect(() => log.database.prepare('DELETE FROM events').run()).toThrow(
      /events are append-only/,
    );
    expect(await log.read(ROOM_A, 0, ALL)).toHaveLength(1);
    expect(log.integrityCheck()).toBe('ok');
    await log.close();
  });

  it('stores all of a batch or none of it, and says why as storage_failed', async () => {
    const log = new SqliteEventLog(freshFile());
    log.database.exec(`CREATE TRIGGER fail_boom BEFORE INSERT ON events
      WHEN NEW.body LIKE '%boom%' BEGIN SELECT RAISE(ABORT, 'disk says no'); END;`);
    const failure = await log.append([event(ROOM_A, 'fine'), event(ROOM_A, 'boom')], 1).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KafkyError);
    expect(failure).toMatchObject({ code: 'storage_failed', message: /disk says no/ });
    expect((failure as KafkyError).cause).toMatchObject({ code: 'SQLITE_CONSTRAINT_TRIGGER' });
    expect(await log.head(ROOM_A)).toBe(0);
    // The log is still usable, and the failed events were not half-stored.
    const [ok] = await log.append([event(ROOM_A, 'fine')], 2);
    expect(ok?.seq).toBe(1);
    await log.close();
  });

  it('reports a full disk as storage_full, with the original error as cause', async () => {
    const log = new SqliteEventLog(freshFile());
    // A database that may not grow past its current size stands in for a full disk.
    const pages = log.pragma('page_count') as number;
    log.database.pragma(`max_page_count = ${pages}`);
    const big = Array.from({ length: 20 }, () => event(ROOM_A, 'x'.repeat(4000)));
    const failure = await log.append(big, 1).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'storage_full' });
    expect((failure as KafkyError).cause).toMatchObject({ code: 'SQLITE_FULL' });
    expect(await log.head(ROOM_A)).toBe(0);
    await log.close();
  });

  it('reports reads on a closed log as storage_failed rejections', async () => {
    const log = new SqliteEventLog(freshFile());
    await log.close();
    await expect(log.read(ROOM_A, 0, ALL)).rejects.toMatchObject({ code: 'storage_failed' });
    await expect(log.head(ROOM_A)).rejects.toMatchObject({ code: 'storage_failed' });
    await expect(log.append([event()], 1)).rejects.toMatchObject({ code: 'storage_failed' });
  });
});
