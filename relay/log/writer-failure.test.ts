import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startRelay } from '../server.ts';
import { event, ROOM_A } from './event-log.contract.ts';
import { logOnThread } from './log-thread-mode.ts';
import { SqliteEventLog } from './sqlite-event-log.ts';
import { ThreadedEventLog } from './threaded-event-log.ts';
import type { RelayLogger } from '../sync/socket.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafky-writer-failure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a relay whose log writer dies', () => {
  it('says so, stops taking pushes, closes, and leaves a non-zero exit status', async () => {
    const error = vi.fn();
    const logger: RelayLogger = { info: vi.fn(), warn: vi.fn(), error };
    const relay = await startRelay(
      {
        port: 0,
        host: '127.0.0.1',
        dbFile: join(dir, 'relay.sqlite'),
        staticDir: null,
        logThread: 'on',
      },
      { logger },
    );
    const exitCode = process.exitCode;
    try {
      if (!(relay.log instanceof ThreadedEventLog)) throw new Error('the log is not threaded');
      await relay.log.crashWriter();
      await vi.waitFor(() => expect(relay.hub.draining).toBe(true));
      expect(error).toHaveBeenCalledWith(
        'relay: the log failed, closing',
        expect.objectContaining({ error: expect.stringMatching(/writer thread/) as unknown }),
      );
      expect(process.exitCode).toBe(1);
      await relay.close();
    } finally {
      process.exitCode = exitCode;
    }
  }, 30_000);
});

describe('where the log commits', () => {
  it('is a writer thread with on, the relay thread with off, and a thread from 3 cores with auto', async () => {
    for (const [mode, kind] of [
      ['on', ThreadedEventLog],
      ['off', SqliteEventLog],
    ] as const) {
      const relay = await startRelay({
        port: 0,
        host: '127.0.0.1',
        dbFile: join(dir, `relay-${mode}.sqlite`),
        staticDir: null,
        logThread: mode,
      });
      try {
        expect(relay.log).toBeInstanceOf(kind);
        const [result] = await relay.log.append([event()], Date.now());
        expect(result?.seq).toBe(1);
        expect(await relay.log.head(ROOM_A)).toBe(1);
      } finally {
        await relay.close();
      }
    }
    expect([2, 3, 8].map((cores) => logOnThread('auto', cores))).toEqual([false, true, true]);
    expect(logOnThread('off', 64)).toBe(false);
    expect(logOnThread('on', 1)).toBe(true);
  }, 30_000);
});
