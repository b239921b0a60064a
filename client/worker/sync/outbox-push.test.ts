import { describe, expect, it, vi } from 'vitest';
import type { ClientMessage, RoomId } from '../../../shared/index.ts';
import { freshStore, messageEvent, ROOM } from '../test-helpers.ts';
import { InFlight, SYSTEM_CLOCK } from './in-flight.ts';
import { OutboxPush } from './outbox-push.ts';

/** An outbox pusher on a fresh store, with a socket that takes every frame. */
async function setup(windowPerRoom: number) {
  const { store } = await freshStore();
  const sent: Extract<ClientMessage, { type: 'push' }>[] = [];
  const inFlight = new InFlight(SYSTEM_CLOCK, 60_000, () => undefined);
  const reads = vi.spyOn(store, 'outboxRooms');
  const push = new OutboxPush({
    socket: {
      welcomed: () => ({}) as never,
      proven: (room: RoomId) => room === ROOM,
      send: (message) => {
        if (message.type === 'push') sent.push(message);
        return true;
      },
    },
    store,
    identity: undefined,
    delivery: { refused: () => Promise.resolve() },
    inFlight,
    windowPerRoom,
    held: () => false,
    handing: () => false,
    clock: SYSTEM_CLOCK,
    log: console,
  });
  /** The relay acknowledges the first `count` events pushed, as the sync client takes it. */
  let seq = 0;
  const ack = async (count: number) => {
    const ids = sent.flatMap((p) => p.events.map((e) => e.id)).slice(seq, seq + count);
    await store.applyAcks(ids.map((id) => ({ id, room: ROOM, seq: ++seq, rts: 1 })));
    for (const id of ids) inFlight.answered(id);
  };
  return { store, push, sent, reads, ack };
}

describe('OutboxPush', () => {
  it('pushes the outbox in order, within the window, and the rest once an ack frees it', async () => {
    const { store, push, sent, ack } = await setup(2);
    const events = ['a', 'b', 'c'].map((text) => messageEvent(text));
    for (const event of events) await store.appendLocal(event);
    await push.flush();
    expect(sent.map((p) => p.events.map((e) => e.id))).toEqual([[events[0]!.id, events[1]!.id]]);
    await ack(1);
    await push.acknowledged();
    expect(sent.map((p) => p.events.map((e) => e.id))).toEqual([
      [events[0]!.id, events[1]!.id],
      [events[2]!.id],
    ]);
  });

  it('does not read the outbox on an ack when nothing waited behind the window', async () => {
    const { store, push, sent, reads, ack } = await setup(5);
    await store.appendLocal(messageEvent('only one'));
    await push.flush();
    expect(sent).toHaveLength(1);
    const before = reads.mock.calls.length;
    await ack(1);
    await push.acknowledged();
    expect(reads.mock.calls.length).toBe(before);
  });
});
