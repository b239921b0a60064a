import { describe, expect, it, vi } from 'vitest';
import { freshStore, messageEvent } from './test-helpers.ts';
import { SharedLive } from './shared-live.ts';

describe('SharedLive', () => {
  it('runs a query once for every listener with its key, and stops with the last one', async () => {
    const { db, store } = await freshStore();
    const live = new SharedLive();
    let runs = 0;
    const count = () => {
      runs++;
      return db.messages.count();
    };
    const first: number[] = [];
    const second: number[] = [];
    const stopFirst = live.watch('count', count, (n) => first.push(n));
    await vi.waitFor(() => expect(first).toEqual([0]));
    // A late listener gets the latest result at once, from the running query.
    const stopSecond = live.watch('count', count, (n) => second.push(n));
    expect(second).toEqual([0]);
    await store.appendLocal(messageEvent('one'));
    await vi.waitFor(() => expect(second).toEqual([0, 1]));
    expect(first).toEqual([0, 1]);
    expect(runs).toBe(2);
    expect(live.size).toBe(1);

    stopFirst();
    expect(live.size).toBe(1);
    stopSecond();
    expect(live.size).toBe(0);
  });

  it('does not send a result equal to the last one again', async () => {
    const { db, store } = await freshStore();
    const live = new SharedLive();
    let runs = 0;
    const texts: string[][] = [];
    live.watch(
      'texts',
      async () => {
        runs++;
        return (await db.messages.toArray()).map((m) => m.text);
      },
      (value) => texts.push(value),
    );
    const hello = messageEvent('hello');
    await store.appendLocal(hello);
    await vi.waitFor(() => expect(texts).toEqual([['hello']]));
    const before = runs;
    // Changes the message's row (delivered now), but not its text: the query runs again.
    await store.applyAcks([{ id: hello.id, room: hello.room, seq: 1, rts: 1 }]);
    await vi.waitFor(() => expect(runs).toBeGreaterThan(before));
    await store.appendLocal(messageEvent('again'));
    await vi.waitFor(() => expect(texts.at(-1)).toEqual(['hello', 'again']));
    expect(texts).toEqual([['hello'], ['hello', 'again']]);
  });

  it('logs a failed query and starts it again for the next listener', async () => {
    const log = { error: vi.fn() };
    const live = new SharedLive(log);
    let fail = true;
    const query = () => (fail ? Promise.reject(new Error('gone')) : Promise.resolve(7));
    live.watch('flaky', query, () => undefined);
    await vi.waitFor(() => expect(log.error).toHaveBeenCalledTimes(1));
    expect(live.size).toBe(0);
    fail = false;
    const values: number[] = [];
    live.watch('flaky', query, (n) => values.push(n));
    await vi.waitFor(() => expect(values).toEqual([7]));
  });
});
