import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEventLog, event, ROOM_A } from './event-log.contract.ts';
import { SqliteEventLog } from './sqlite-event-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafky-log-'));
let files = 0;
const freshFile = () => join(dir, `nested/log-${++files}.sqlite`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEventLog('sqlite file', () => new SqliteEventLog(freshFile()));

describe('SqliteEventLog', () => {
  it('is in WAL mode with synchronous=FULL', async () => {
    const log = new SqliteEventLog(freshFile());
    expect(log.pragma('journal_mode')).toBe('wal');
    expect(log.pragma('synchronous')).toBe(2);
    await log.close();
  });

  it('keeps its events and epoch across a reopen; a new file gets a new epoch', async () => {
    const file = freshFile();
    const first = new SqliteEventLog(file);
    const stored = event();
    await first.append([stored], 5);
    const epoch = first.epoch;
    await first.close();

    const reopened = new SqliteEventLog(file);
    expect(reopened.epoch).toBe(epoch);
    expect(await reopened.read(ROOM_A, 0, { maxEvents: 10, maxBytes: 1e6 })).toEqual([
      { ...stored, seq: 1, rts: 5 },
    ]);
    expect(reopened.integrityCheck()).toBe('ok');
    await reopened.close();

    const other = new SqliteEventLog(freshFile());
    expect(other.epoch).not.toBe(epoch);
    await other.close();
  });

  it('refuses to rewrite or delete history', async () => {
    const log = new SqliteEventLog(freshFile());
    await log.append([event()], 1);
    expect(() => log.database.prepare("UPDATE events SET body = '{}'").run()).toThrow(
      /append-only/,
    );
    expect(() => log.database.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    expect(await log.head(ROOM_A)).toBe(1);
    await log.close();
  });

  it('reports a failed write as a coded storage error and stores nothing', async () => {
    const log = new SqliteEventLog(freshFile());
    log.database.exec(
      "CREATE TRIGGER fail_insert BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk says no'); END;",
    );
    await expect(log.append([event()], 1)).rejects.toMatchObject({ code: 'storage_failed' });
    expect(await log.head(ROOM_A)).toBe(0);
    await log.close();
  });
});
