import { describe, expect, it } from 'vitest';
import type { KafkyEvent } from '../../../shared/index.ts';
import { ALICE, BOB, ROOM, freshStore, nameEvent, sequenced } from '../test-helpers.ts';

function membership(type: 'member.joined' | 'member.left', author = ALICE): KafkyEvent {
  return { ...nameEvent('x', author), type, payload: {} };
}

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
      nameKey: { section: 0, n: 2 },
    });
    await store.applyRemote(ROOM, [sequenced(nameEvent('Later'), 3)]);
    expect((await db.members.get([ROOM, ALICE]))?.name).toBe('Later');
  });

  it('follows an own rename that the relay places before a confirmed one', async () => {
    const { db, store } = await freshStore();
    const mine = nameEvent('Mine');
    await store.appendLocal(mine);
    // A rename of the same person from elsewhere (another of their devices) is confirmed
    // while ours waits; then ours turns out to have been sequenced first.
    await store.applyRemote(ROOM, [sequenced(nameEvent('From elsewhere'), 2)]);
    expect((await db.members.get([ROOM, ALICE]))?.name).toBe('Mine');
    await store.applyAcks([{ id: mine.id, room: ROOM, seq: 1, rts: 1 }]);
    expect((await db.members.get([ROOM, ALICE]))?.name).toBe('From elsewhere');
  });

  it('drops a rename the relay refused, and the name it replaced comes back', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [sequenced(nameEvent('Kept'), 1)]);
    const rename = nameEvent('Nope');
    await store.appendLocal(rename);
    await store.markRejected(rename.id, 'invalid_event', 'no');
    expect((await db.members.get([ROOM, ALICE]))?.name).toBe('Kept');
  });

  it('knows who is in the room: joined, left, joined again', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [
      sequenced(membership('member.joined', BOB), 1),
      sequenced(membership('member.left', BOB), 2),
    ]);
    expect(await db.members.get([ROOM, BOB])).toMatchObject({ member: false, name: null });
    await store.applyRemote(ROOM, [sequenced(membership('member.joined', BOB), 3)]);
    expect((await db.members.get([ROOM, BOB]))?.member).toBe(true);
  });

  it('ends in the same state whatever order the same events arrive in', async () => {
    const events = [
      sequenced(membership('member.joined', BOB), 1),
      sequenced(nameEvent('Bobby', BOB), 2),
      sequenced(membership('member.left', BOB), 3),
      sequenced(nameEvent('Robert', BOB), 4),
    ];
    const inOrder = await freshStore();
    await inOrder.store.applyRemote(ROOM, events);
    const reversed = await freshStore();
    for (const event of [...events].reverse()) await reversed.store.applyRemote(ROOM, [event]);
    const row = await inOrder.db.members.get([ROOM, BOB]);
    expect(row).toMatchObject({ name: 'Robert', member: false });
    expect(await reversed.db.members.get([ROOM, BOB])).toEqual(row);
  });
});
