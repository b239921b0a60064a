import { describe, expect, it, vi } from 'vitest';
import { event, ROOM_A, ROOM_B } from '../log/event-log.contract.ts';
import type { AppendResult } from '../log/event-log.ts';
import { MemoryEventLog } from '../log/memory-event-log.ts';
import { Committer } from './committer.ts';

describe('Committer', () => {
  it('commits submissions of the same tick in one append, each getting its own results', async () => {
    const log = new MemoryEventLog();
    const append = vi.spyOn(log, 'append');
    const committer = new Committer(log, () => 99);
    const sent = Array.from({ length: 20 }, (_, i) => [event(i % 2 ? ROOM_A : ROOM_B), event()]);
    const results = await Promise.all(sent.map((events) => committer.submit(events)));

    expect(append).toHaveBeenCalledTimes(1);
    results.forEach((slice, i) =>
      expect(slice.map((r) => r.id)).toEqual(sent[i]!.map((e) => e.id)),
    );
    const seqsA = results
      .flat()
      .filter((r) => r.room === ROOM_A)
      .map((r) => r.seq);
    expect(seqsA).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(results.flat().every((r) => r.rts === 99)).toBe(true);
  });

  it('gathers what arrives during a slow commit into the next one', async () => {
    const log = new MemoryEventLog();
    const batches: number[] = [];
    let release: () => void = () => {};
    const original = log.append.bind(log);
    vi.spyOn(log, 'append').mockImplementation(async (events, now) => {
      batches.push(events.length);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return original(events, now);
    });
    const committer = new Committer(log);
    const first = committer.submit([event()]);
    await vi.waitFor(() => expect(batches).toEqual([1]));
    // These arrive over several ticks, all while the first commit is still being written.
    const later: Promise<AppendResult[]>[] = [];
    for (let i = 0; i < 5; i++) {
      later.push(committer.submit([event()]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    release();
    const results = await Promise.all([first, ...later]);
    expect(batches).toEqual([1, 5]);
    expect(results.map((r) => r[0]?.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('resolves submissions in the order they were made', async () => {
    const committer = new Committer(new MemoryEventLog());
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, () =>
        committer.submit([event()]).then(([r]) => order.push(r!.seq)),
      ),
    );
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('rejects every submission of a failed batch, and commits later ones', async () => {
    const log = new MemoryEventLog();
    const committer = new Committer(log);
    vi.spyOn(log, 'append').mockRejectedValueOnce(new Error('disk gone'));
    const failed = [committer.submit([event()]), committer.submit([event()])];
    for (const submission of failed) await expect(submission).rejects.toThrow('disk gone');
    const [later] = await committer.submit([event()]);
    expect(later?.seq).toBe(1);
  });

  it('is idle once everything submitted is stored', async () => {
    const log = new MemoryEventLog();
    const committer = new Committer(log);
    const pending: Promise<AppendResult[]> = committer.submit([event()]);
    await committer.idle();
    expect(await log.head(ROOM_A)).toBe(1);
    await pending;
  });
});
