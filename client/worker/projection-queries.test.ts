import { describe, expect, it, vi } from 'vitest';
import { BOB, ROOM, freshStore, messageEvent, sequenced } from './test-helpers.ts';
// After the helpers, which give Dexie its (fake) IndexedDB.
import { liveQuery } from 'dexie';
import { ProjectionQueries } from './projection-queries.ts';

describe('ProjectionQueries', () => {
  it('shows each projector’s version and position, and a build’s progress in whole percents', async () => {
    const { db, store } = await freshStore();
    await store.readModels.prepare();
    await store.readModels.build();
    const queries = new ProjectionQueries(db);
    expect(await queries.rebuildProgress()).toEqual({ building: [] });
    await store.applyRemote(ROOM, [sequenced(messageEvent('hi', BOB), 1)]);
    expect(await queries.projections()).toContainEqual({
      name: 'messages',
      version: expect.any(Number) as number,
      position: 1,
      rebuilding: null,
    });

    await db.projections.update('messages', { position: 457, rebuild: { target: 1000 } });
    await db.projections.update('reads', { position: 0, rebuild: { target: 0 } });
    expect(await queries.rebuildProgress()).toEqual({
      building: [
        { name: 'messages', progress: 0.45 },
        { name: 'reads', progress: 0 },
      ],
    });
  });

  it('does not run the rebuild progress again when a write moves the live position', async () => {
    const { db, store } = await freshStore();
    await store.readModels.prepare();
    const queries = new ProjectionQueries(db);
    let runs = 0;
    const progress = liveQuery(() => {
      runs++;
      return queries.rebuildProgress();
    }).subscribe(() => undefined);
    // Runs again on the same writes as the progress would, so when it has seen one, so has that.
    const seen: number[] = [];
    const messages = liveQuery(() => db.messages.count()).subscribe((n) => seen.push(n));
    await vi.waitFor(() => expect(seen).toEqual([0]));
    expect(runs).toBe(1);
    await store.appendLocal(messageEvent('moves the live position'));
    await vi.waitFor(() => expect(seen).toEqual([0, 1]));
    expect(runs).toBe(1);
    await db.projections.update('messages', { rebuild: { target: 10 } });
    await vi.waitFor(() => expect(runs).toBe(2));
    progress.unsubscribe();
    messages.unsubscribe();
  });

  it('lists dead letters and unknown events by their place in the log, with their counts', async () => {
    const { db, store } = await freshStore();
    await store.readModels.prepare();
    const future = (text: string, seq: number) => ({
      ...sequenced(messageEvent(text, BOB), seq),
      type: 'poll.created',
    });
    await store.applyRemote(ROOM, [future('a', 1), future('b', 2), future('c', 3)]);
    const queries = new ProjectionQueries(db);
    const unknown = await queries.unknownEvents(2);
    expect(unknown.total).toBe(3);
    expect(unknown.events.map((e) => [e.pos, e.type])).toEqual([
      [1, 'poll.created'],
      [2, 'poll.created'],
    ]);
    const invalid = { ...sequenced(messageEvent('x', BOB), 4), payload: { text: '' } };
    await store.applyRemote(ROOM, [invalid]);
    expect(await queries.deadLetters(10)).toMatchObject({
      total: 1,
      letters: [{ projector: 'schema', pos: 4, id: invalid.id, room: ROOM }],
    });
  });
});
