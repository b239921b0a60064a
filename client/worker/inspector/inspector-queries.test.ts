import { describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  ROOM,
  freshStore,
  messageEvent,
  nameEvent,
  sequenced,
} from '../test-helpers.ts';
import type { EventId, KafkyEvent, RoomId } from '../../../shared/index.ts';
import { InspectorQueries, roomHeads } from './inspector-queries.ts';
import { RelayHeads } from './relay-heads.ts';

const OTHER = 'other-room' as RoomId;

/**
 * Two rooms: in the lobby, Bob's name and three messages from the relay, then one of
 * Alice's pending, one refused and one handed to a socket; in the other room, messages.
 */
async function log() {
  const { db, store } = await freshStore();
  await store.join(OTHER);
  await store.applyRemote(ROOM, [
    sequenced(nameEvent('Bob', BOB), 1),
    ...[1, 2, 3].map((n) => sequenced(messageEvent(`lobby ${n}`, BOB), n + 1)),
  ]);
  await store.applyRemote(
    OTHER,
    [1, 2, 3, 4, 5].map((n) => sequenced(messageEvent(`other ${n}`, BOB, OTHER), n)),
  );
  const pending = await store.appendLocal(messageEvent('mine', ALICE));
  const refused = await store.appendLocal(messageEvent('refused', ALICE));
  await store.markRejected(refused.id, 'invalid_event', 'too long');
  const pushed = await store.appendLocal(messageEvent('on its way', ALICE, OTHER));
  await store.claimForPush([pushed.id]);
  return { db, store, queries: new InspectorQueries(db, ALICE), pending, refused, pushed };
}

/** The compensation of a refused message: an event that never leaves this browser. */
function refusal(target: EventId): KafkyEvent {
  const payload = { target, code: 'invalid_event', message: 'too long' };
  return { ...messageEvent('x', ALICE), type: 'delivery.refused', v: 1, payload } as KafkyEvent;
}

describe('InspectorQueries.log', () => {
  it('lists events newest first with their place, type, author and state', async () => {
    const { queries, pending, refused } = await log();
    const page = await queries.log({}, { limit: 4 });
    expect(page.total).toBe(12);
    expect(page.events.map((e) => e.pos)).toEqual([12, 11, 10, 9]);
    expect(page.events[1]).toMatchObject({
      id: refused.id,
      room: ROOM,
      seq: null,
      type: 'message.sent',
      v: refused.v,
      state: 'refused',
      reason: { code: 'invalid_event', message: 'too long' },
    });
    expect(page.events[2]).toMatchObject({ id: pending.id, state: 'pending', seq: null });
    expect(page.events[3]).toMatchObject({
      room: OTHER,
      seq: 5,
      state: 'delivered',
      authorName: `Guest ${BOB.slice(0, 4)}`,
    });
    expect(page.older).toBe(9);
  });

  it('tells an event kept in this browser only from one waiting to be sent', async () => {
    const { store, queries, refused } = await log();
    await store.appendLocalOnly([refusal(refused.id)]);
    const [latest] = (await queries.log({}, { limit: 1 })).events;
    expect(latest).toMatchObject({ type: 'delivery.refused', seq: null, state: 'local' });
  });

  it('pages through the whole log, each event once', async () => {
    const { queries } = await log();
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await queries.log(
        {},
        before === undefined ? { limit: 5 } : { before, limit: 5 },
      );
      seen.push(...page.events.map((e) => e.pos));
      if (page.older === null) break;
      before = page.older;
    }
    expect(seen).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('filters by room, by type and by both, with names where the room knows them', async () => {
    const { queries } = await log();
    const lobby = await queries.log({ room: ROOM }, { limit: 3 });
    expect(lobby.total).toBe(6);
    expect(lobby.events.map((e) => e.room)).toEqual([ROOM, ROOM, ROOM]);
    expect(lobby.events.map((e) => e.pos)).toEqual([11, 10, 4]);
    expect(lobby.events[2]).toMatchObject({ authorName: 'Bob' });
    const older = await queries.log({ room: ROOM }, { before: lobby.older!, limit: 3 });
    expect(older.events.map((e) => e.pos)).toEqual([3, 2, 1]);
    expect(older.older).toBeNull();

    const names = await queries.log({ type: 'profile.name-set' }, { limit: 10 });
    expect(names.events.map((e) => e.type)).toEqual(['profile.name-set']);
    expect(names.total).toBe(1);

    const both = await queries.log({ room: OTHER, type: 'message.sent' }, { limit: 2 });
    expect(both.events.map((e) => e.pos)).toEqual([12, 9]);
    expect(both.total).toBe(6);
    expect(await queries.log({ room: OTHER, type: 'room.renamed' }, { limit: 2 })).toEqual({
      events: [],
      total: 0,
      older: null,
    });
  });
});

describe('InspectorQueries.outbox and roomHeads', () => {
  it('lists the outbox in the order it goes out, draft or pushed', async () => {
    const { queries, pending, pushed } = await log();
    expect(await queries.outbox(10)).toEqual({
      entries: [
        {
          pos: pending.pos,
          id: pending.id,
          room: ROOM,
          roomName: ROOM,
          type: 'message.sent',
          state: 'draft',
        },
        {
          pos: pushed.pos,
          id: pushed.id,
          room: OTHER,
          roomName: OTHER,
          type: 'message.sent',
          state: 'pushed',
        },
      ],
      total: 2,
    });
    expect((await queries.outbox(1)).entries).toHaveLength(1);
  });

  it('sets each room’s local head against the relay’s last known one', async () => {
    const { queries } = await log();
    const heads = new RelayHeads();
    const rooms = await queries.rooms();
    expect(roomHeads(rooms, heads)).toEqual([
      { room: ROOM, name: ROOM, localHead: 4, relayHead: null, lag: null, left: false },
      { room: OTHER, name: OTHER, localHead: 5, relayHead: null, lag: null, left: false },
    ]);
    heads.caughtUp(ROOM, 9);
    // Past `caught-up`, events arrive live: the local head can be the newer one.
    heads.caughtUp(OTHER, 3);
    expect(roomHeads(rooms, heads).map((r) => [r.relayHead, r.lag])).toEqual([
      [9, 5],
      [5, 0],
    ]);
  });
});
