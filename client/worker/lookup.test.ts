import { describe, expect, it } from 'vitest';
import { freshStore, messageEvent, sequenced, ROOM, BOB } from './test-helpers.ts';
import { rowsWhere } from './lookup.ts';

describe('rowsWhere', () => {
  it('finds the rows of the keys asked for, whether close together or far apart', async () => {
    const { db, store } = await freshStore();
    const events = Array.from({ length: 100 }, (_, i) =>
      sequenced(messageEvent(`m${i}`, BOB), i + 1),
    );
    await store.applyRemote(ROOM, events);
    const ids = (picked: number[]) => picked.map((i) => events[i]!.id);
    const found = async (picked: number[]) =>
      (await rowsWhere(db.events, 'id', ids(picked), (e) => e.id)).map((e) => e.id).sort();

    // Close together: one range read, the others between them dropped.
    expect(await found([10, 12, 14])).toEqual(ids([10, 12, 14]).sort());
    // Far apart, with many rows between: read key by key.
    expect(await found([0, 99])).toEqual(ids([0, 99]).sort());
    expect(await found([50])).toEqual(ids([50]));
    expect(await found([])).toEqual([]);
    // Keys no row holds are simply not found.
    expect(await rowsWhere(db.events, 'id', ['01ARZ3NDEKTSV4RRFFQ69G5FAV'], (e) => e.id)).toEqual(
      [],
    );
  });
});
