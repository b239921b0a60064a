import { describe, expect, it } from 'vitest';
import { ALICE, ROOM, freshStore, nameEvent, sequenced } from '../test-helpers.ts';

describe('membersProjector', () => {
  it('lets a pending rename win over confirmed ones, until a later confirmed one arrives', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [sequenced(nameEvent('Confirmed'), 1)]);
    const pending = nameEvent('Pending');
    await store.appendLocal(pending);
    expect((await db.members.get([ROOM, ALICE]))?.name).toBe('Pending');

    await store.applyAcks([{ id: pending.id, room: ROOM, seq: 2, rts: 1 }]);
    expect(await db.members.get([ROOM, ALICE])).toMatchObject({
      name: 'Pending',
      section: 0,
      n: 2,
    });

    await store.applyRemote(ROOM, [sequenced(nameEvent('Later'), 3)]);
    expect((await db.members.get([ROOM, ALICE]))?.name).toBe('Later');
  });

  it('drops a rename the relay refused', async () => {
    const { db, store } = await freshStore();
    const rename = nameEvent('Nope');
    await store.appendLocal(rename);
    await store.markRejected(rename.id, 'invalid_event', 'no');
    expect(await db.members.get([ROOM, ALICE])).toBeUndefined();
  });
});
