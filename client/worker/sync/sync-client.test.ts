import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  PROOF_TEXTS,
  PROTOCOL_VERSION,
  generateIdentity,
  identityFromSecret,
  newRoomSecret,
  roomKey,
  signEvent,
  verifyEvent,
  verifyText,
  type EventId,
  type KafkyEvent,
  type SequencedEvent,
} from '../../../shared/index.ts';
import { ActivityState } from '../activity.ts';
import type { RoomId } from '../../../shared/index.ts';
import { ALICE, BOB, ROOM, messageEvent, sequenced } from '../test-helpers.ts';
import { LATEST_FIRST } from './room-proofs.ts';
import { FakeClock, WELCOME, setup } from './sync-fakes.ts';
import type { SyncOptions } from './sync-options.ts';

const OTHER_ROOM = 'other-room' as RoomId;

/** Someone else in the room, whose events come signed as the relay passes them on. */
const PEER = await identityFromSecret('cGVlci1zZWNyZXQtZm9yLXN5bmMtY2xpZW50LXRlc3Q');

async function fromPeer(event: SequencedEvent): Promise<SequencedEvent> {
  return signEvent({ ...event, author: PEER.author }, PEER.privateKey);
}

/** A client on a clock the test moves, online, that has pushed `event`. */
async function pushedOnClock(event: KafkyEvent, options: Partial<SyncOptions> = {}) {
  const clock = new FakeClock();
  const env = await setup({ clock, ...options });
  await env.store.appendLocal(event);
  env.sync.start();
  const socket = env.sockets[0]!;
  socket.open();
  socket.receive(WELCOME);
  await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(1));
  return { ...env, clock, socket };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SyncClient', () => {
  it('says hello, subscribes each room from its cursor, then pushes the outbox in order', async () => {
    const { store, sync, sockets } = await setup();
    const first = messageEvent('first');
    const second = messageEvent('second');
    await store.appendLocal(first);
    await store.appendLocal(second);

    sync.start();
    const socket = sockets[0]!;
    socket.open();
    expect(socket.sent).toEqual([{ type: 'hello', protocol: PROTOCOL_VERSION, agent: 'kafky' }]);
    expect(sync.status).toBe('connecting');

    socket.receive(WELCOME);
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(1));
    expect(socket.ofType('subscribe')).toEqual([
      { type: 'subscribe', room: ROOM, after: 0, latest: LATEST_FIRST },
    ]);
    expect(socket.ofType('push')[0]!.events.map((e) => e.id)).toEqual([first.id, second.id]);
    expect(sync.status).toBe('online');
    sync.stop();
  });

  it('applies acks: events turn delivered and are emitted as kafked', async () => {
    const { store, sync, sockets, kafked } = await setup();
    const event = messageEvent('hi');
    await store.appendLocal(event);
    sync.start();
    const socket = sockets[0]!;
    socket.open();
    socket.receive(WELCOME);
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(1));

    socket.receive({ type: 'ack', acks: [{ id: event.id, room: ROOM, seq: 1, rts: 5 }] });
    await vi.waitFor(() => expect(kafked.map((e) => e.id)).toEqual([event.id]));
    expect(kafked[0]?.seq).toBe(1);
    expect(await store.pendingCount()).toBe(0);
    sync.stop();
  });

  it('does not push an event twice on one socket, and pushes it again after a reconnect', async () => {
    const { store, sync, sockets } = await setup();
    await store.appendLocal(messageEvent('once'));
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() => expect(sockets[0]!.ofType('push')).toHaveLength(1));
    await sync.flush();
    expect(sockets[0]!.ofType('push')).toHaveLength(1);

    sockets[0]!.close(1006, 'gone');
    expect(sync.status).toBe('offline');
    await vi.waitFor(() => expect(sockets).toHaveLength(2));
    sockets[1]!.open();
    sockets[1]!.receive(WELCOME);
    await vi.waitFor(() => expect(sockets[1]!.ofType('push')).toHaveLength(1));
    sync.stop();
  });

  it('drops the socket when the network goes down, and tries again only once it is back', async () => {
    const { store, sync, sockets } = await setup();
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() => expect(sync.status).toBe('online'));

    sync.setNetwork(false);
    expect(sync.status).toBe('offline');
    expect(sockets[0]!.readyState).toBe(3);
    await store.appendLocal(messageEvent('on the plane'));
    await sync.flush();
    // Well past the 10 ms backoff: no new socket while offline.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.ofType('push')).toHaveLength(0);

    sync.setNetwork(true);
    expect(sync.status).toBe('connecting');
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    sockets[1]!.receive(WELCOME);
    await vi.waitFor(() => expect(sockets[1]!.ofType('push')).toHaveLength(1));
    sync.stop();
  });

  it('follows a room just joined and unfollows one just left', async () => {
    const { sync, sockets } = await setup();
    const room = 'joined-later' as RoomId;
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() => expect(sync.status).toBe('online'));
    sync.follow(room);
    await vi.waitFor(() =>
      expect(sockets[0]!.ofType('subscribe').at(-1)).toEqual({
        type: 'subscribe',
        room,
        after: 0,
        latest: LATEST_FIRST,
      }),
    );
    sync.unfollow(room);
    await vi.waitFor(() =>
      expect(sockets[0]!.ofType('unsubscribe')).toEqual([{ type: 'unsubscribe', room }]),
    );
    sync.stop();
  });

  it('subscribes a room joined while the welcome was being answered, and unsubscribes one left then', async () => {
    const { store, sync, sockets } = await setup();
    const kept = 'kept' as RoomId;
    const joined = 'joined-during-welcome' as RoomId;
    await store.join(kept);
    const rooms = store.rooms.bind(store);
    let once = true;
    // The join and the leave land just after the welcome's reply has read the rooms.
    store.rooms = async () => {
      const read = await rooms();
      if (once) {
        once = false;
        await store.join(joined);
        sync.follow(joined);
        sync.unfollow(kept);
      }
      return read;
    };
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() =>
      expect(sockets[0]!.ofType('subscribe').map((f) => f.room)).toEqual([kept, ROOM, joined]),
    );
    await vi.waitFor(() =>
      expect(sockets[0]!.ofType('unsubscribe')).toEqual([{ type: 'unsubscribe', room: kept }]),
    );
    sync.stop();
  });

  it('proves keyed rooms on subscribing, and pushes only into rooms proved on this socket', async () => {
    const { db, store, sync, sockets } = await setup();
    const [keyed, gone, unknown] = ['keyed-room', 'left-offline', 'never-followed'] as RoomId[];
    const secret = newRoomSecret();
    await db.rooms.bulkPut([
      { room: keyed!, secret },
      { room: gone!, left: true, secret: newRoomSecret() },
    ]);
    await db.cursors.put({ room: gone!, cursor: 3 });
    const [inKeyed, leave, stray] = [
      messageEvent('for members', ALICE, keyed),
      { ...messageEvent('bye', ALICE, gone), type: 'member.left', v: 1, payload: {} } as never,
      messageEvent('nowhere', ALICE, unknown),
    ] as const;
    for (const event of [inKeyed, leave, stray]) await store.appendLocal(event);
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() => expect(sync.status).toBe('online'));
    const pushed = () => sockets[0]!.ofType('push').flatMap((p) => p.events.map((e) => e.id));
    // One push per room: both, never the third.
    await vi.waitFor(() => expect(pushed()).toHaveLength(2));
    const subscribes = sockets[0]!.ofType('subscribe');
    const toKeyed = subscribes.find((s) => s.room === keyed)!;
    expect(toKeyed.key).toBe((await roomKey(secret)).publicKey);
    const text = PROOF_TEXTS.join(WELCOME.challenge, keyed!);
    expect(await verifyText(toKeyed.key!, text, toKeyed.proof!)).toBe(true);
    // The room left offline is proved, left again at once, and its leave goes out.
    expect(subscribes.map((s) => s.room)).toContain(gone);
    expect(sockets[0]!.ofType('unsubscribe')).toEqual([{ type: 'unsubscribe', room: gone }]);
    await sync.flush();
    expect(pushed().sort()).toEqual([inKeyed.id, (leave as { id: string }).id].sort());
    sync.stop();
  });

  it('pushes again, not refused, what a keyed room it holds the secret of turned away', async () => {
    const { db, store, sync, sockets } = await setup();
    const room = 'not-there-yet' as RoomId;
    await db.rooms.put({ room, secret: newRoomSecret() });
    const join = {
      ...messageEvent('', ALICE, room),
      type: 'member.joined',
      v: 1,
      payload: {},
    } as never;
    await store.appendLocal(join);
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() => expect(sockets[0]!.ofType('push')).toHaveLength(1));
    const { id } = join as { id: EventId };
    sockets[0]!.receive({ type: 'rejected', id, code: 'room_denied', message: 'not yet' });
    // Its creator's room.created reaches the relay a moment later: the join goes again.
    await vi.waitFor(() => expect(sockets[0]!.ofType('push')).toHaveLength(2), { timeout: 3000 });
    expect(sockets[0]!.ofType('push')[1]!.events.map((e) => e.id)).toEqual([id]);
    expect(await store.pendingCount()).toBe(1);
    expect((await db.events.where('id').equals(id).first())?.rejected).toBeUndefined();
    sync.stop();
  });

  it('stores live events from peers and emits them', async () => {
    const { db, sync, sockets, kafked } = await setup();
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    const peer = await fromPeer(sequenced(messageEvent('from bob', BOB), 1));
    sockets[0]!.receive({ type: 'events', room: ROOM, events: [peer] });
    await vi.waitFor(() => expect(kafked.map((e) => e.id)).toEqual([peer.id]));
    expect((await db.messages.get(peer.id))?.text).toBe('from bob');
    sync.stop();
  });

  it('stores, emits and moves past an event of a type it does not know (a newer client’s)', async () => {
    const { db, store, sync, sockets, kafked } = await setup();
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    const poll = await fromPeer(
      sequenced({ ...messageEvent('?', BOB), type: 'poll.created', payload: {} } as never, 1),
    );
    const after = await fromPeer(sequenced(messageEvent('after the poll', BOB), 2));
    sockets[0]!.receive({ type: 'events', room: ROOM, events: [poll, after] });
    await vi.waitFor(() => expect(kafked.map((e) => e.id)).toEqual([poll.id, after.id]));
    expect(await db.events.where('id').equals(poll.id).count()).toBe(1);
    expect(await db.unknownEvents.toArray()).toMatchObject([{ id: poll.id, type: 'poll.created' }]);
    expect((await store.rooms())[0]?.cursor).toBe(2);
    sync.stop();
  });

  it('asks again from its cursor when a live event skips a sequence', async () => {
    const { sync, sockets } = await setup();
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    sockets[0]!.receive({
      type: 'events',
      room: ROOM,
      events: [await fromPeer(sequenced(messageEvent('3', BOB), 3))],
    });
    await vi.waitFor(() => expect(sockets[0]!.ofType('subscribe')).toHaveLength(2));
    expect(sockets[0]!.ofType('subscribe')[1]).toEqual({
      type: 'subscribe',
      room: ROOM,
      after: 0,
      latest: LATEST_FIRST,
    });
    sync.stop();
  });

  it('catches up from the start and pushes own events again when the relay log has a new epoch', async () => {
    const { store, sync, sockets } = await setup();
    await store.setMeta('author', ALICE);
    await store.adoptEpoch('epoch-0');
    const mine = messageEvent('mine');
    await store.applyRemote(ROOM, [sequenced(messageEvent('old', BOB), 1)]);
    await store.appendLocal(mine);
    await store.applyAcks([{ id: mine.id, room: ROOM, seq: 2, rts: 1 }]);
    expect(await store.pendingCount()).toBe(0);

    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() => expect(sockets[0]!.ofType('push')).toHaveLength(1));
    expect(sockets[0]!.ofType('subscribe')).toEqual([
      { type: 'subscribe', room: ROOM, after: 0, latest: LATEST_FIRST },
    ]);
    expect(sockets[0]!.ofType('push')[0]?.events.map((e) => e.id)).toEqual([mine.id]);
    expect(await store.getMeta('epoch')).toBe('epoch-1');
    sync.stop();
  });

  it('gives each room its own window, taking turns, and refills a window on ack', async () => {
    const { store, sync, sockets } = await setup({ windowPerRoom: 3 });
    const busy = Array.from({ length: 7 }, (_, i) => messageEvent(`busy ${i}`));
    for (const event of busy) await store.appendLocal(event);
    const quiet = messageEvent('quiet', ALICE, OTHER_ROOM);
    await store.join(OTHER_ROOM);
    await store.appendLocal(quiet);
    sync.start();
    const socket = sockets[0]!;
    socket.open();
    socket.receive(WELCOME);
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(2));
    // The quiet room's one message goes out beside the busy room's first window.
    expect(socket.ofType('push').map((p) => p.events.map((e) => e.payload))).toEqual([
      [
        { text: 'busy 0', mentions: [] },
        { text: 'busy 1', mentions: [] },
        { text: 'busy 2', mentions: [] },
      ],
      [{ text: 'quiet', mentions: [] }],
    ]);
    socket.receive({
      type: 'ack',
      acks: busy.slice(0, 2).map((e, i) => ({ id: e.id, room: ROOM, seq: i + 1, rts: 1 })),
    });
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(3));
    expect(socket.ofType('push')[2]?.events.map((e) => e.payload)).toEqual([
      { text: 'busy 3', mentions: [] },
      { text: 'busy 4', mentions: [] },
    ]);
    sync.stop();
  });

  it('ignores a frame it cannot read and goes on', async () => {
    const { sync, sockets, warnings, kafked } = await setup();
    sync.start();
    sockets[0]!.open();
    sockets[0]!.onmessage?.({ data: '{not json' });
    sockets[0]!.receive(WELCOME);
    const peer = await fromPeer(sequenced(messageEvent('still here', BOB), 1));
    sockets[0]!.receive({ type: 'events', room: ROOM, events: [peer] });
    await vi.waitFor(() => expect(kafked).toHaveLength(1));
    expect(warnings.length).toBeGreaterThan(0);
    sync.stop();
  });

  it('marks a refused event failed and stops sending it', async () => {
    const { db, store, sync, sockets } = await setup();
    const event = messageEvent('bad');
    await store.appendLocal(event);
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() => expect(sockets[0]!.ofType('push')).toHaveLength(1));
    sockets[0]!.receive({ type: 'rejected', id: event.id, code: 'invalid_event', message: 'no' });
    await vi.waitFor(async () => expect((await db.messages.get(event.id))?.state).toBe('failed'));
    expect(await store.pendingCount()).toBe(0);
    sync.stop();
  });

  it('answers the challenge with its key first of all, and signs each event it pushes', async () => {
    const { keys, author } = await generateIdentity();
    const identity = { author, privateKey: keys.privateKey as CryptoKey };
    const { sync, sockets, store, db } = await setup({ identity });
    const own = messageEvent('signed', author);
    const before = messageEvent('from this browser’s id before signing', ALICE);
    await store.appendLocal(before);
    await store.appendLocal(own);
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() => expect(sockets[0]!.ofType('push')).toHaveLength(1));
    const [hello, auth] = sockets[0]!.sent;
    expect(hello).toEqual({ type: 'hello', protocol: PROTOCOL_VERSION, agent: 'kafky' });
    expect(auth).toMatchObject({ type: 'auth', author });
    const proof = (auth as { proof: string }).proof;
    expect(await verifyText(author, PROOF_TEXTS.auth(WELCOME.challenge), proof)).toBe(true);
    const [pushed] = sockets[0]!.ofType('push')[0]!.events;
    expect(sockets[0]!.ofType('push')[0]!.events).toHaveLength(1);
    expect(pushed).toMatchObject({ id: own.id, sig: expect.any(String) as string });
    expect(await verifyEvent(pushed!)).toEqual({ ok: true });
    // The old id's event cannot be signed by this key: refused here, never sent.
    await vi.waitFor(async () => expect((await db.messages.get(before.id))?.state).toBe('failed'));
    sync.stop();
  });

  it('sends typing only for rooms subscribed on a live socket', async () => {
    const activity = new ActivityState();
    const { sync, sockets } = await setup({ activity });
    sync.sendTyping(ROOM, true);
    sync.start();
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([
      { type: 'hello', protocol: PROTOCOL_VERSION, agent: 'kafky' },
    ]);
    sync.sendTyping(ROOM, true);
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() => expect(sync.status).toBe('online'));
    sync.sendTyping(ROOM, true);
    sync.sendTyping(OTHER_ROOM, true);
    sync.sendTyping(ROOM, false);
    expect(sockets[0]!.ofType('typing')).toEqual([
      { type: 'typing', room: ROOM, active: true },
      { type: 'typing', room: ROOM, active: false },
    ]);
    sync.stop();
  });

  it('keeps typing and presence signals in memory, and forgets them when the socket drops', async () => {
    const activity = new ActivityState();
    const { sync, sockets, store } = await setup({ activity });
    const before = await store.rooms();
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    sockets[0]!.receive({ type: 'caught-up', room: ROOM, head: 0 });
    sockets[0]!.receive({ type: 'presence', room: ROOM, online: [ALICE, BOB] });
    sockets[0]!.receive({ type: 'typing', room: ROOM, author: BOB, ttl: 6000 });
    await vi.waitFor(() => expect(activity.get(ROOM).typing).toHaveLength(1));
    expect(activity.get(ROOM)).toMatchObject({ online: [ALICE, BOB], typing: [{ author: BOB }] });
    sockets[0]!.receive({ type: 'typing', room: ROOM, author: BOB, ttl: 0 });
    await vi.waitFor(() => expect(activity.get(ROOM).typing).toEqual([]));
    sockets[0]!.receive({ type: 'typing', room: ROOM, author: BOB, ttl: 6000 });
    await vi.waitFor(() => expect(activity.get(ROOM).typing).toHaveLength(1));
    // Then only who came and went: Bob goes, and stops typing with it.
    sockets[0]!.receive({ type: 'presence-change', room: ROOM, joined: [], left: [BOB] });
    await vi.waitFor(() => expect(activity.get(ROOM)).toEqual({ typing: [], online: [ALICE] }));
    // Nothing of it was stored.
    expect(await store.rooms()).toEqual(before);

    sockets[0]!.close(1006, 'gone');
    expect(activity.get(ROOM)).toEqual({ typing: [], online: [] });
    sync.stop();
  });

  it('marks a room the relay keeps closed to this browser, until it lets the browser in', async () => {
    const activity = new ActivityState();
    const { sync, sockets } = await setup({ activity });
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    const reason = `room ${ROOM}: this room needs the secret of its invite link`;
    sockets[0]!.receive({ type: 'error', code: 'room_denied', message: reason, room: ROOM });
    await vi.waitFor(() => expect(activity.get(ROOM).denied).toBe(reason));
    // An error about no room in particular says nothing about this one.
    sockets[0]!.receive({ type: 'error', code: 'room_denied', message: 'other' });
    sockets[0]!.receive({ type: 'caught-up', room: ROOM, head: 0 });
    await vi.waitFor(() => expect(activity.get(ROOM).denied).toBeUndefined());
    sync.stop();
  });

  it('ignores signals still queued from a socket that has dropped', async () => {
    const activity = new ActivityState();
    const { sync, sockets } = await setup({ activity });
    sync.start();
    sockets[0]!.open();
    // The welcome takes a few store reads: the presence behind it waits its turn.
    sockets[0]!.receive(WELCOME);
    sockets[0]!.receive({ type: 'presence', room: ROOM, online: [ALICE, BOB] });
    sockets[0]!.close(1006, 'gone');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(activity.get(ROOM)).toEqual({ typing: [], online: [] });
    sync.stop();
  });

  it('pushes events again, as they are, when their acknowledgement is overdue on a live socket', async () => {
    const lost = messageEvent('ack lost');
    const { clock, store, sync, socket, warnings } = await pushedOnClock(lost, {
      ackTimeoutMs: 10_000,
    });
    clock.advance(5_000);
    const later = messageEvent('later');
    await store.appendLocal(later);
    await sync.flush();
    expect(socket.ofType('push')).toHaveLength(2);

    clock.advance(4_999);
    await sync.flush();
    expect(socket.ofType('push')).toHaveLength(2);
    // Only the overdue one goes again; the later one still has time.
    clock.advance(1);
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(3));
    expect(socket.ofType('push')[2]).toEqual(socket.ofType('push')[0]);
    expect(warnings.length).toBeGreaterThan(0);

    socket.receive({ type: 'ack', acks: [{ id: lost.id, room: ROOM, seq: 1, rts: 1 }] });
    await vi.waitFor(async () => expect(await store.pendingCount()).toBe(1));
    clock.advance(5_000);
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(4));
    expect(socket.ofType('push')[3]?.events.map((e) => e.id)).toEqual([later.id]);
    // Acknowledged: nothing is due any more, however long it waits.
    socket.receive({ type: 'ack', acks: [{ id: later.id, room: ROOM, seq: 2, rts: 1 }] });
    await vi.waitFor(async () => expect(await store.pendingCount()).toBe(0));
    clock.advance(60_000);
    await sync.flush();
    expect(socket.ofType('push')).toHaveLength(4);
    sync.stop();
  });

  it('does not push again an event whose ack has arrived behind frames still being stored', async () => {
    const event = messageEvent('acked in time');
    const { clock, store, sync, socket, warnings } = await pushedOnClock(event, {
      ackTimeoutMs: 10_000,
    });
    // A catch-up page the store takes its time over, and the ack right behind it.
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const applyRemote = store.applyRemote.bind(store);
    store.applyRemote = async (...args) => {
      await slow;
      return applyRemote(...args);
    };
    socket.receive({ type: 'events', room: ROOM, events: [] });
    socket.receive({ type: 'ack', acks: [{ id: event.id, room: ROOM, seq: 1, rts: 1 }] });
    clock.advance(20_000);
    await sync.flush();
    expect(socket.ofType('push')).toHaveLength(1);
    expect(warnings).toEqual([]);
    release();
    await vi.waitFor(async () => expect(await store.pendingCount()).toBe(0));
    clock.advance(20_000);
    expect(socket.ofType('push')).toHaveLength(1);
    sync.stop();
  });

  it('holds pushes back as long as the relay says after rate_limited, then pushes again in order', async () => {
    const [first, second] = [messageEvent('one'), messageEvent('two')];
    const { clock, store, sync, socket, warnings } = await pushedOnClock(first);
    socket.receive({ type: 'error', code: 'rate_limited', message: 'wait', retryAfterMs: 1000 });
    await vi.waitFor(() => expect(warnings).toHaveLength(1));
    await store.appendLocal(second);
    await sync.flush();
    clock.advance(999);
    await sync.flush();
    expect(socket.ofType('push')).toHaveLength(1);
    // Nothing of the refused push was stored: it goes again, with what was written since.
    clock.advance(1);
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(2));
    expect(socket.ofType('push')[1]?.events.map((e) => e.id)).toEqual([first.id, second.id]);
    sync.stop();
  });

  it('does not wait for acknowledgements on a socket that dropped: the next one pushes anew', async () => {
    const { clock, sync, sockets } = await pushedOnClock(messageEvent('in flight'), {
      ackTimeoutMs: 1_000,
    });
    sockets[0]!.close(1006, 'gone');
    clock.advance(5_000);
    expect(sockets[0]!.ofType('push')).toHaveLength(1);
    sync.stop();
  });

  it("goes on with the room's next events when the relay refuses one", async () => {
    const { db, store, sync, sockets } = await setup({ windowPerRoom: 1 });
    const events = ['refused', 'next', 'after'].map((text) => messageEvent(text));
    for (const event of events) await store.appendLocal(event);
    sync.start();
    const socket = sockets[0]!;
    socket.open();
    socket.receive(WELCOME);
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(1));
    socket.receive({
      type: 'rejected',
      id: events[0]!.id,
      code: 'event_too_large',
      message: 'big',
    });
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(2));
    expect(socket.ofType('push')[1]?.events.map((e) => e.id)).toEqual([events[1]!.id]);
    expect((await db.messages.get(events[0]!.id))?.state).toBe('failed');
    socket.receive({ type: 'ack', acks: [{ id: events[1]!.id, room: ROOM, seq: 1, rts: 1 }] });
    await vi.waitFor(() => expect(socket.ofType('push')).toHaveLength(3));
    expect(socket.ofType('push')[2]?.events.map((e) => e.id)).toEqual([events[2]!.id]);
    sync.stop();
  });

  it('hands acknowledgements and refusals to its delivery', async () => {
    const heard: unknown[] = [];
    const { store, sync, sockets, kafked } = await setup({
      delivery: {
        acked: async (acks) => {
          heard.push(['acked', acks.map((a) => a.id)]);
          return store.applyAcks(acks);
        },
        refused: (id, code) => {
          heard.push(['refused', id, code]);
          return Promise.resolve();
        },
      },
    });
    const [good, bad] = [messageEvent('good'), messageEvent('bad')];
    await store.appendLocal(good);
    await store.appendLocal(bad);
    sync.start();
    sockets[0]!.open();
    sockets[0]!.receive(WELCOME);
    await vi.waitFor(() => expect(sockets[0]!.ofType('push')).toHaveLength(1));
    sockets[0]!.receive({ type: 'rejected', id: bad.id, code: 'invalid_event', message: 'no' });
    sockets[0]!.receive({ type: 'ack', acks: [{ id: good.id, room: ROOM, seq: 1, rts: 1 }] });
    await vi.waitFor(() => expect(kafked.map((e) => e.id)).toEqual([good.id]));
    expect(heard).toEqual([
      ['refused', bad.id, 'invalid_event'],
      ['acked', [good.id]],
    ]);
    sync.stop();
  });

  it('shows the events of a live frame early once their signatures hold, not catch-up pages', async () => {
    const early: string[][] = [];
    const { sync, sockets, kafked } = await setup({
      early: (events) => void early.push(events.map((e) => e.id)),
    });
    sync.start();
    const socket = sockets[0]!;
    socket.open();
    socket.receive(WELCOME);
    await vi.waitFor(() => expect(sync.status).toBe('online'));
    const history = await fromPeer(sequenced(messageEvent('from the history', BOB), 1));
    socket.receive({ type: 'events', room: ROOM, events: [history] });
    socket.receive({ type: 'caught-up', room: ROOM, head: 1 });
    const live = await fromPeer(sequenced(messageEvent('live', BOB), 2));
    const signed = await fromPeer(sequenced(messageEvent('what was said', BOB), 3));
    const forged = { ...signed, payload: { text: 'what was not said', mentions: [] } };
    socket.receive({ type: 'events', room: ROOM, events: [live, forged] });
    await vi.waitFor(() => expect(kafked).toHaveLength(2));
    expect(early).toEqual([[live.id]]);
    sync.stop();
  });

  it("stores a room's latest events ahead of its history, and the pages after them fill it in", async () => {
    const { sync, sockets, store, kafked } = await setup();
    sync.start();
    const socket = sockets[0]!;
    socket.open();
    socket.receive(WELCOME);
    await vi.waitFor(() => expect(sync.status).toBe('online'));
    const events = await Promise.all(
      [1, 2, 3, 4, 5].map((seq) => fromPeer(sequenced(messageEvent(`m${seq}`, BOB), seq))),
    );
    socket.receive({ type: 'events', room: ROOM, events: events.slice(3), latest: true });
    await vi.waitFor(() => expect(kafked).toHaveLength(2));
    // Beyond the cursor on purpose: not a gap to ask again for.
    expect(socket.ofType('subscribe')).toHaveLength(1);
    expect(await store.cursor(ROOM)).toBe(0);
    socket.receive({ type: 'events', room: ROOM, events: events.slice(0, 3) });
    socket.receive({ type: 'caught-up', room: ROOM, head: 5 });
    await vi.waitFor(() => expect(kafked).toHaveLength(5));
    expect(await store.cursor(ROOM)).toBe(5);
    expect(socket.ofType('subscribe')).toHaveLength(1);
    sync.stop();
  });

  it('asks again from its cursor when a frame leaves a gap', async () => {
    const { sync, sockets, kafked } = await setup();
    sync.start();
    const socket = sockets[0]!;
    socket.open();
    socket.receive(WELCOME);
    await vi.waitFor(() => expect(sync.status).toBe('online'));
    socket.receive({ type: 'caught-up', room: ROOM, head: 0 });
    const first = await fromPeer(sequenced(messageEvent('one', BOB), 1));
    socket.receive({ type: 'events', room: ROOM, events: [first] });
    await vi.waitFor(() => expect(kafked).toHaveLength(1));
    const third = await fromPeer(sequenced(messageEvent('three', BOB), 3));
    socket.receive({ type: 'events', room: ROOM, events: [third] });
    await vi.waitFor(() => expect(socket.ofType('subscribe')).toHaveLength(2));
    expect(socket.ofType('subscribe')[1]).toEqual({
      type: 'subscribe',
      room: ROOM,
      after: 1,
      latest: LATEST_FIRST,
    });
    sync.stop();
  });
});
