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

  it('holds two commits at a time and gathers what arrives meanwhile into the next one', async () => {
    const log = new MemoryEventLog();
    const batches: number[] = [];
    const releases: (() => void)[] = [];
    const original = log.append.bind(log);
    vi.spyOn(log, 'append').mockImplementation(async (events, now) => {
      batches.push(events.length);
      await new Promise<void>((resolve) => releases.push(resolve));
      return original(events, now);
    });
    const committer = new Committer(log);
    const first = committer.submit([event()]);
    await vi.waitFor(() => expect(batches).toEqual([1]));
    const second = committer.submit([event()]);
    await vi.waitFor(() => expect(batches).toEqual([1, 1]));
    // These arrive over several ticks, all while both commits are still being written.
    const later: Promise<AppendResult[]>[] = [];
    for (let i = 0; i < 5; i++) {
      later.push(committer.submit([event()]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(batches).toEqual([1, 1]);
    releases.shift()!();
    await vi.waitFor(() => expect(batches).toEqual([1, 1, 5]));
    while (releases.length > 0) releases.shift()!();
    await vi.waitFor(() => expect(releases).toHaveLength(0));
    const results = await Promise.all([first, second, ...later]);
    expect(results.map((r) => r[0]?.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('settles batches in order even when the log answers out of order', async () => {
    const log = new MemoryEventLog();
    const releases: (() => void)[] = [];
    const original = log.append.bind(log);
    vi.spyOn(log, 'append').mockImplementation(async (events, now) => {
      const results = await original(events, now);
      await new Promise<void>((resolve) => releases.push(resolve));
      return results;
    });
    const committer = new Committer(log);
    const order: number[] = [];
    const first = committer.submit([event()]).then(() => order.push(1));
    await vi.waitFor(() => expect(releases).toHaveLength(1));
    const second = committer.submit([event()]).then(() => order.push(2));
    await vi.waitFor(() => expect(releases).toHaveLength(2));
    releases[1]!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    releases[0]!();
    await Promise.all([first, second]);
    expect(order).toEqual([1, 2]);
  });

  it('reports each commit to the metrics hook: its events and a duration', async () => {
    const commits: [number, number][] = [];
    const committer = new Committer(new MemoryEventLog(), Date.now, (events, seconds) =>
      commits.push([events, seconds]),
    );
    await Promise.all([committer.submit([event(), event()]), committer.submit([event()])]);
    expect(commits).toHaveLength(1);
    expect(commits[0]![0]).toBe(3);
    expect(commits[0]![1]).toBeGreaterThanOrEqual(0);
  });

  it('answers a batch even when the metrics hook throws', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const committer = new Committer(new MemoryEventLog(), Date.now, () => {
      throw new Error('hook broke');
    });
    const [result] = await committer.submit([event()]);
    expect(result?.seq).toBe(1);
    expect(errors).toHaveBeenCalledWith('kafky relay: the commit hook failed', expect.any(Error));
    errors.mockRestore();
  });

  it('holds an early failure behind a slower batch without an unhandled rejection', async () => {
    const log = new MemoryEventLog();
    const original = log.append.bind(log);
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const append = vi
      .spyOn(log, 'append')
      .mockImplementationOnce(async (events, now) => {
        await slow;
        return original(events, now);
      })
      .mockRejectedValueOnce(new Error('disk gone'));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const committer = new Committer(log);
      const first = committer.submit([event()]);
      await vi.waitFor(() => expect(append).toHaveBeenCalledTimes(1));
      const second = committer.submit([event()]);
      await vi.waitFor(() => expect(append).toHaveBeenCalledTimes(2));
      // The second batch has failed while the first is still being written.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      release();
      expect((await first)[0]?.seq).toBe(1);
      await expect(second).rejects.toThrow('disk gone');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
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
