import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startRelay } from '../server.ts';
import type { RelayLogger } from '../sync/socket.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafky-writer-failure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a relay whose log writer dies', () => {
  it('says so, stops taking pushes, closes, and leaves a non-zero exit status', async () => {
    const error = vi.fn();
    const logger: RelayLogger = { info: vi.fn(), warn: vi.fn(), error };
    const relay = await startRelay(
      { port: 0, host: '127.0.0.1', dbFile: join(dir, 'relay.sqlite'), staticDir: null },
      { logger },
    );
    const exitCode = process.exitCode;
    try {
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
