import { describe, expect, it, vi } from 'vitest';
import { event, ROOM_A, ROOM_B } from '../log/event-log.contract.ts';
import { MemoryEventLog } from '../log/memory-event-log.ts';
import { Committer } from './committer.ts';

describe('Committer', () => {
  it('commits concurrent submissions together and gives each its own results', async () => {
    const log = new MemoryEventLog();
    const append = vi.spyOn(log, 'append');
    const committer = new Committer(log, () => 99);
    const submissions = Array.from({ length: 20 }, (_, i) =>
      committer.submit([event(i % 2 ? ROOM_A : ROOM_B), event(ROOM_A)]),
    );
    const results = await Promise.all(submissions);

    expect(append).toHaveBeenCalledTimes(1);
    expect(results.every((r) => r.length === 2)).toBe(true);
    const seqsA = results
      .flat()
      .filter((r) => r.room === ROOM_A)
      .map((r) => r.seq);
    expect(seqsA).toEqual(Array.from({ length: seqsA.length }, (_, i) => i + 1));
    expect(results.flat().every((r) => r.rts === 99)).toBe(true);
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
});
