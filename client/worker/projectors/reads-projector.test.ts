import { describe, expect, it } from 'vitest';
import type { EventId, KafkyEvent } from '../../../shared/index.ts';
import { ALICE, BOB, ROOM, freshStore, nameEvent, sequenced } from '../test-helpers.ts';

function readMark(through: string, author = ALICE): KafkyEvent {
  return {
    ...nameEvent('x', author),
    type: 'read.marked',
    payload: { through: through as EventId },
  };
}

describe('readsProjector', () => {
  it("keeps each reader's latest mark in each room, by the room's order", async () => {
    const { db, store } = await freshStore();
    const later = sequenced(readMark('01M8DBBPBCVPRKJV4PEHPAVNBZ'), 2);
    // The later mark arrives first: the earlier one must not win for arriving last.
    await store.applyRemote(ROOM, [
      later,
      sequenced(readMark('01M8DBBPBCVPRKJV4PEHPAVNB0', BOB), 3),
    ]);
    await store.applyRemote(ROOM, [sequenced(readMark('01M8DBBPBCVPRKJV4PEHPAVNAA'), 1)]);
    expect((await db.reads.get([ROOM, ALICE]))?.through).toBe('01M8DBBPBCVPRKJV4PEHPAVNBZ');
    expect((await db.reads.get([ROOM, BOB]))?.through).toBe('01M8DBBPBCVPRKJV4PEHPAVNB0');
  });

  it('forgets a refused mark: the one before it stands again', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [sequenced(readMark('01M8DBBPBCVPRKJV4PEHPAVNAA'), 1)]);
    const mark = readMark('01M8DBBPBCVPRKJV4PEHPAVNBZ');
    await store.appendLocal(mark);
    expect((await db.reads.get([ROOM, ALICE]))?.through).toBe('01M8DBBPBCVPRKJV4PEHPAVNBZ');
    await store.markRejected(mark.id, 'invalid_event', 'no');
    expect((await db.reads.get([ROOM, ALICE]))?.through).toBe('01M8DBBPBCVPRKJV4PEHPAVNAA');
  });
});
