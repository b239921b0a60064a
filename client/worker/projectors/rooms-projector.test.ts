import { describe, expect, it } from 'vitest';
import type { KafkyEvent } from '../../../shared/index.ts';
import { ALICE, BOB, ROOM, freshStore, nameEvent, sequenced } from '../test-helpers.ts';

function roomEvent(
  type: 'room.created' | 'room.renamed',
  name: string,
  author = ALICE,
): KafkyEvent {
  return { ...nameEvent('x', author), type, payload: { name } };
}

describe('roomsProjector', () => {
  it('names a room by its latest name, and remembers who opened it', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [
      sequenced(roomEvent('room.created', 'Plans'), 1),
      sequenced(roomEvent('room.renamed', 'Trips', BOB), 2),
    ]);
    expect(await db.roomViews.get(ROOM)).toMatchObject({ name: 'Trips', createdBy: ALICE });
  });

  it('gives the same row whatever order the events arrive in', async () => {
    const created = sequenced(roomEvent('room.created', 'Plans'), 1);
    const renamed = sequenced(roomEvent('room.renamed', 'Trips', BOB), 2);
    const inOrder = await freshStore();
    await inOrder.store.applyRemote(ROOM, [created, renamed]);
    const reversed = await freshStore();
    await reversed.store.applyRemote(ROOM, [renamed]);
    await reversed.store.applyRemote(ROOM, [created]);
    expect(await reversed.db.roomViews.get(ROOM)).toEqual(await inOrder.db.roomViews.get(ROOM));
  });

  it('lets a pending rename show at once, and takes it back when the relay refuses it', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [sequenced(roomEvent('room.created', 'Plans'), 1)]);
    const rename = roomEvent('room.renamed', 'Nope');
    await store.appendLocal(rename);
    expect((await db.roomViews.get(ROOM))?.name).toBe('Nope');
    await store.markRejected(rename.id, 'invalid_event', 'no');
    expect((await db.roomViews.get(ROOM))?.name).toBe('Plans');
  });

  it('has no row for a room no one has named', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [sequenced(nameEvent('Ada'), 1)]);
    expect(await db.roomViews.get(ROOM)).toBeUndefined();
  });
});
