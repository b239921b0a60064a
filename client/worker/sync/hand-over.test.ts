import { describe, expect, it, vi } from 'vitest';
import { generateIdentity, signEvent, verifyEvent, type RoomId } from '../../../shared/index.ts';
import { ROOM, messageEvent, sequenced } from '../test-helpers.ts';
import { FakeClock, WELCOME, setup } from './sync-fakes.ts';

const OTHER_ROOM = 'other-room' as RoomId;

/** A client online and subscribed, whose store hands own events over as they are written. */
async function online(...args: Parameters<typeof setup>) {
  const fixture = await setup(...args);
  const { store, sync, sockets } = fixture;
  store.handOver = (events) => sync.handOver(events);
  sync.start();
  sockets[0]!.open();
  sockets[0]!.receive(WELCOME);
  await vi.waitFor(() => expect(sync.status).toBe('online'));
  await sync.flush();
  return { ...fixture, socket: sockets[0]! };
}

describe('handing an own event to the socket in its append', () => {
  it('sends it as the append commits, once, and it is no longer a draft', async () => {
    const { store, db, sync, socket } = await online();
    const event = messageEvent('fast');
    await store.appendLocal(event);
    // On the wire before the append's caller hears of it: no flush was needed.
    expect(socket.ofType('push').map((p) => p.events.map((e) => e.id))).toEqual([[event.id]]);
    expect(sync.onTheWire(event.id)).toBe(true);
    expect((await db.outbox.get(event.id))?.pushed).toBe(true);
    expect(await store.reviseDraft(event.id, { text: 'changed', mentions: [] })).toBe(false);
    await sync.flush();
    expect(socket.ofType('push')).toHaveLength(1);
    sync.stop();
  });

  it('leaves an event of a room not proven on this socket to the flush after its subscribe', async () => {
    const { store, sync, socket } = await online();
    await store.join(OTHER_ROOM);
    const event = messageEvent('waits', undefined, OTHER_ROOM);
    await store.appendLocal(event);
    expect(socket.ofType('push')).toHaveLength(0);
    expect(sync.onTheWire(event.id)).toBe(false);
    // Still a draft: nothing claimed it.
    expect(await store.reviseDraft(event.id, { text: 'revised', mentions: [] })).toBe(true);
    sync.follow(OTHER_ROOM);
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(1));
    expect(socket.ofType('subscribe').map((s) => s.room)).toEqual([ROOM, OTHER_ROOM]);
    expect(socket.ofType('push')[0]!.events).toMatchObject([
      { id: event.id, payload: { text: 'revised' } },
    ]);
    sync.stop();
  });

  it('never passes older events of its room still waiting, nor a rate limit', async () => {
    const clock = new FakeClock();
    const { store, sync, socket } = await online({ clock });
    const first = messageEvent('first');
    await store.appendLocal(first);
    socket.receive({
      type: 'error',
      code: 'rate_limited',
      message: 'slow down',
      retryAfterMs: 1000,
    });
    await vi.waitFor(() => expect(sync.onTheWire(first.id)).toBe(false));
    const held = messageEvent('held');
    await store.appendLocal(held);
    // The hold is over, but `first` is not on the wire again yet: `later` waits its turn.
    clock.time += 1000;
    const later = messageEvent('later');
    await store.appendLocal(later);
    expect(socket.ofType('push')).toHaveLength(1);
    await sync.flush();
    expect(socket.ofType('push').map((p) => p.events.map((e) => e.id))).toEqual([
      [first.id],
      [first.id, held.id, later.id],
    ]);
    sync.stop();
  });

  it('sends nothing when the append’s transaction fails after the claim', async () => {
    const { store, db, sync, socket } = await online();
    const event = messageEvent('lost');
    await expect(
      store.atomically(async () => {
        await store.appendLocal(event);
        throw new Error('a later step failed');
      }),
    ).rejects.toThrow();
    expect(socket.ofType('push')).toHaveLength(0);
    expect(sync.onTheWire(event.id)).toBe(false);
    expect(await db.outbox.count()).toBe(0);
    sync.stop();
  });

  it('lets the claim go when the append itself fails', async () => {
    const { store, sync, socket } = await online();
    // Already in the log from the relay: the append's own write fails on its id, in the
    // same round trip as the claim.
    const event = messageEvent('twice');
    await store.applyRemote(ROOM, [sequenced(event, 1)]);
    await expect(store.appendLocal(event)).rejects.toThrow();
    expect(sync.onTheWire(event.id)).toBe(false);
    expect(socket.ofType('push')).toHaveLength(0);
    sync.stop();
  });

  it('hands over only events signed by this browser’s key', async () => {
    const { keys, author } = await generateIdentity();
    const identity = { author, privateKey: keys.privateKey as CryptoKey };
    const { store, sync, socket } = await online({ identity });
    const unsigned = messageEvent('signed as it leaves', author);
    await store.appendLocal(unsigned);
    expect(sync.onTheWire(unsigned.id)).toBe(false);
    await sync.flush();
    const signed = await signEvent(messageEvent('signed when written', author), keys.privateKey);
    await store.appendLocal(signed);
    const pushes = socket.ofType('push');
    expect(pushes.map((p) => p.events.map((e) => e.id))).toEqual([[unsigned.id], [signed.id]]);
    for (const push of pushes) expect(await verifyEvent(push.events[0]!)).toEqual({ ok: true });
    sync.stop();
  });
});

describe('a draft signed when written', () => {
  it('is signed again before it is rewritten, or loses its signature without a signer', async () => {
    const { keys, author } = await generateIdentity();
    const { store, db } = await setup();
    const draft = await signEvent(messageEvent('first words', author), keys.privateKey);
    await store.appendLocal(draft);
    expect(await store.reviseDraft(draft.id, { text: 'unsigned now', mentions: [] })).toBe(true);
    expect((await db.events.where('id').equals(draft.id).first())?.sig).toBeUndefined();

    store.sign = (event) => signEvent(event, keys.privateKey);
    expect(await store.reviseDraft(draft.id, { text: 'second words', mentions: [] })).toBe(true);
    const stored = (await db.events.where('id').equals(draft.id).first())!;
    expect(stored.payload).toEqual({ text: 'second words', mentions: [] });
    expect(await verifyEvent(stored)).toEqual({ ok: true });
  });
});
