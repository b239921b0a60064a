/**
 * `npm run relay -- backup FILE` against a relay process that is being written to: the
 * copy is a consistent database, a relay started on it serves its events, and it has an
 * epoch of its own so that browsers know the log was replaced.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../shared/index.ts';
import { event, ROOM_A, ROOM_B } from '../log/event-log.contract.ts';
import { REPO_ROOT, RelayProcess } from '../testing/relay-process.ts';
import { acked, connect, push, sleep, stored, subscribe } from './test-support.ts';

const run = promisify(execFile);
const relays: RelayProcess[] = [];
afterEach(async () => {
  for (const relay of relays.splice(0)) await relay.dispose();
});

function backup(dbFile: string, target: string) {
  return run(
    process.execPath,
    ['--import', 'tsx', 'relay/main.ts', 'backup', target, '--db', dbFile],
    { cwd: REPO_ROOT },
  );
}

describe('backup', () => {
  it('copies a live relay under writes; a relay on the copy serves its events', async () => {
    const live = await RelayProcess.start({ staticDir: null });
    relays.push(live);
    const writer = await connect(live.url);
    const sent: AnyEvent[] = [];
    let writing = true;
    const writes = (async () => {
      for (let i = 0; writing; i++) {
        const batch = [event(ROOM_A, `a${i}`), event(ROOM_B, `b${i}`)];
        sent.push(...batch);
        await push(writer, batch);
        await sleep(2);
      }
    })();
    await writer.until(() => acked(writer).length >= 100, 'writes under way');
    const ackedBefore = new Set(acked(writer));

    const target = join(live.dir, 'copy.sqlite');
    const { stderr } = await backup(live.dbFile, target);
    const ackedAfter = acked(writer).length;
    writing = false;
    await writes;
    expect(stderr).toMatch(/backed up .* to .*copy\.sqlite/);
    expect(existsSync(`${target}.partial`)).toBe(false);

    // One consistent moment: everything acknowledged before the backup began, dense
    // sequences in each room, and nothing acknowledged only after it ended.
    const copy = stored(target);
    for (const id of ackedBefore) expect(copy.ids).toContain(id);
    expect(copy.ids.length).toBeLessThanOrEqual(ackedAfter + 2);
    for (const seqs of copy.seqs.values()) {
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    }

    // Restore: a relay started on the copy.
    const restored = await RelayProcess.create({ staticDir: null });
    relays.push(restored);
    copyFileSync(target, restored.dbFile);
    await restored.start();
    const reader = await connect(restored.url);
    const liveEpoch = (await live.health()).epoch;
    expect((await restored.health()).epoch).not.toBe(liveEpoch);
    await subscribe(reader, ROOM_A);
    await reader.next('caught-up');
    expect(reader.events(ROOM_A).map((e) => e.id)).toEqual(
      copy.ids.filter((id) => sent.find((e) => e.id === id)?.room === ROOM_A),
    );
    writer.close();
    reader.close();
  }, 30_000);

  it('says so, and exits non-zero, when there is no database to copy', async () => {
    const missing = join(REPO_ROOT, 'no-such-dir', 'kafky.sqlite');
    await expect(backup(missing, join(REPO_ROOT, 'never.sqlite'))).rejects.toMatchObject({
      stderr: expect.stringMatching(/there is no database at .*no-such-dir/) as unknown,
    });
    expect(existsSync(join(REPO_ROOT, 'never.sqlite'))).toBe(false);
  }, 30_000);
});
