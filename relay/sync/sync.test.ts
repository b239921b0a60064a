import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_CODES, LIMITS, type AuthorId, type Hello } from '../../shared/index.ts';
import { event, ROOM_A, ROOM_B } from '../log/event-log.contract.ts';
import { MemoryEventLog } from '../log/memory-event-log.ts';
import { startRelay, type RunningRelay } from '../server.ts';
import { Hub } from './hub.ts';
import { silentLogger, type RelaySocket } from './socket.ts';
import { TestClient } from './test-client.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafky-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const running: RunningRelay[] = [];
const clients: TestClient[] = [];

async function relay(dbFile = join(dir, `relay-${++files}.sqlite`), maxEventBytes?: number) {
  const started = await startRelay(
    {
      port: 0,
      host: '127.0.0.1',
      dbFile,
      staticDir: null,
      ...(maxEventBytes ? { maxEventBytes } : {}),
    },
    { logger: silentLogger, helloTimeoutMs: 500 },
  );
  running.push(started);
  return Object.assign(started, { dbFile, ws: started.url.replace('http', 'ws') + '/sync' });
}

async function client(url: string, hello: boolean | Partial<Hello> = true) {
  const opened = await TestClient.open(url, hello);
  clients.push(opened);
  return opened;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const r of running.splice(0)) await r.close();
});

describe('sync over a real socket', () => {
  it('welcomes a client with the protocol, the log epoch and a connection id', async () => {
    const r = await relay();
    const c = await client(r.ws);
    expect(c.of('welcome')[0]).toMatchObject({ type: 'welcome', protocol: 1, epoch: r.log.epoch });
    expect(r.hub.stats().connections).toBe(1);
  });

  it('closes a client that speaks another protocol version', async () => {
    const r = await relay();
    const c = await client(r.ws, false);
    c.send({ type: 'hello', protocol: 99 });
    await c.until(() => c.closed !== null, 'close');
    expect(c.of('error')[0]).toMatchObject({ code: 'protocol_mismatch', fatal: true });
    expect(c.closed?.code).toBe(CLOSE_CODES.protocolMismatch);
  });

  it('closes a client that does anything before hello, or says nothing', async () => {
    const r = await relay();
    const early = await client(r.ws, false);
    early.send({ type: 'subscribe', room: ROOM_A, after: 0 });
    await early.until(() => early.closed !== null, 'close');
    expect(early.of('error')[0]?.code).toBe('not_ready');
    expect(early.closed?.code).toBe(CLOSE_CODES.protocolError);

    const silent = await client(r.ws, false);
    await silent.until(() => silent.closed !== null, 'close');
    expect(silent.closed?.code).toBe(CLOSE_CODES.helloTimeout);
  });

  it('answers each bad frame with an error, stores nothing, and keeps the connection', async () => {
    const r = await relay();
    const c = await client(r.ws);
    const bad = event(ROOM_A, '');
    c.sendRaw('{nope');
    c.sendRaw(Buffer.from([1, 2, 3]));
    c.send({ type: 'teleport' });
    c.send({ type: 'subscribe', room: 'bad room', after: 0 });
    c.sendRaw(
      JSON.stringify({ type: 'push', events: [event(ROOM_A, 'x'.repeat(LIMITS.frameBytesMax))] }),
    );
    c.send({ type: 'push', events: [bad, { ...event(), type: 'room.created' }] });
    await c.next('error', 5);
    await c.next('rejected', 2);
    expect(c.of('error').map((e) => e.code)).toEqual([
      'bad_json',
      'invalid_message',
      'unknown_message_type',
      'invalid_message',
      'frame_too_large',
    ]);
    expect(c.of('rejected').map((e) => [e.id, e.code])).toEqual([
      [bad.id, 'invalid_event'],
      [expect.any(String), 'invalid_event'],
    ]);
    expect(await r.log.head(ROOM_A)).toBe(0);

    const good = event(ROOM_A);
    c.send({ type: 'push', events: [good] });
    expect((await c.next('ack')).acks).toEqual([
      { id: good.id, room: ROOM_A, seq: 1, rts: expect.any(Number) as number },
    ]);
    expect(c.closed).toBeNull();
  });

  it('acknowledges a push once durable and forwards it to the room, not back to the sender', async () => {
    const r = await relay();
    const sender = await client(r.ws);
    const peer = await client(r.ws);
    const elsewhere = await client(r.ws);
    for (const c of [sender, peer]) c.send({ type: 'subscribe', room: ROOM_A, after: 0 });
    elsewhere.send({ type: 'subscribe', room: ROOM_B, after: 0 });
    for (const c of [sender, peer, elsewhere]) await c.next('caught-up');

    const pushed = [event(ROOM_A, 'one'), event(ROOM_A, 'two')];
    sender.send({ type: 'push', events: pushed });
    const ack = await sender.next('ack');
    expect(ack.acks.map((a) => a.seq)).toEqual([1, 2]);
    await peer.until(() => peer.events(ROOM_A).length === 2, 'two events');
    expect(peer.events(ROOM_A).map((e) => [e.id, e.seq])).toEqual([
      [pushed[0]!.id, 1],
      [pushed[1]!.id, 2],
    ]);
    expect((await r.log.read(ROOM_A, 0, { maxEvents: 10, maxBytes: 1e6 })).length).toBe(2);
    expect(sender.events(ROOM_A)).toEqual([]);
    expect(elsewhere.of('events')).toEqual([]);
  });

  it('stores and forwards an event of a type or version it does not know, as a newer client’s', async () => {
    const r = await relay();
    const sender = await client(r.ws);
    const peer = await client(r.ws);
    peer.send({ type: 'subscribe', room: ROOM_A, after: 0 });
    await peer.next('caught-up');
    const poll = { ...event(), type: 'poll.created', payload: { question: 'Lunch?' } };
    const future = { ...event(), v: 99, payload: { text: 'hi', colour: 'red' } };
    sender.send({ type: 'push', events: [poll, future] });
    expect((await sender.next('ack')).acks.map((a) => [a.id, a.seq])).toEqual([
      [poll.id, 1],
      [future.id, 2],
    ]);
    await peer.until(() => peer.events(ROOM_A).length === 2, 'both events');
    expect(peer.events(ROOM_A)).toEqual([
      { ...poll, seq: 1, rts: expect.any(Number) as number },
      { ...future, seq: 2, rts: expect.any(Number) as number },
    ]);
    expect(sender.of('rejected')).toEqual([]);
  });

  it('refuses an event over the size limit on its own, and stores the rest of the push', async () => {
    const r = await relay(undefined, 2048);
    const c = await client(r.ws);
    const [before, big, after] = [
      event(ROOM_A, 'before'),
      event(ROOM_A, 'x'.repeat(2000)),
      event(ROOM_A, 'after'),
    ];
    c.send({ type: 'push', events: [before, big, after] });
    const rejected = await c.next('rejected');
    expect(rejected).toEqual({
      type: 'rejected',
      id: big.id,
      code: 'event_too_large',
      message: expect.stringMatching(
        /at most 2048 bytes of JSON on this relay; this one has 2\d{3}/,
      ) as string,
    });
    expect((await c.next('ack')).acks.map((a) => [a.id, a.seq])).toEqual([
      [before.id, 1],
      [after.id, 2],
    ]);
    expect(c.closed).toBeNull();
  });

  it('acknowledges a repeated push with the original sequence and forwards it once', async () => {
    const r = await relay();
    const sender = await client(r.ws);
    const peer = await client(r.ws);
    peer.send({ type: 'subscribe', room: ROOM_A, after: 0 });
    await peer.next('caught-up');
    const once = event(ROOM_A);
    sender.send({ type: 'push', events: [once] });
    await sender.next('ack');
    sender.send({ type: 'push', events: [event(ROOM_A), once] });
    const second = await sender.next('ack', 2);
    expect(second.acks.map((a) => [a.id, a.seq])).toEqual([
      [second.acks[0]!.id, 2],
      [once.id, 1],
    ]);
    await peer.until(() => peer.events(ROOM_A).length >= 2, 'events');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(peer.events(ROOM_A).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('catches up a long history in bounded pages, then goes live with no gap or repeat', async () => {
    const r = await relay();
    const writer = await client(r.ws);
    for (let i = 0; i < 12; i++) {
      writer.send({
        type: 'push',
        events: Array.from({ length: 100 }, (_, j) => event(ROOM_A, `m${i}-${j}`)),
      });
    }
    await writer.next('ack', 12);

    const reader = await client(r.ws);
    reader.send({ type: 'subscribe', room: ROOM_A, after: 0 });
    // Keep writing while the reader catches up.
    for (let i = 0; i < 5; i++) writer.send({ type: 'push', events: [event(ROOM_A, `live${i}`)] });
    await reader.next('caught-up');
    await writer.next('ack', 17);
    await reader.until(() => reader.events(ROOM_A).length >= 1205, 'all events');

    const pages = reader.of('events');
    expect(pages.length).toBeGreaterThan(2);
    for (const page of pages) {
      expect(page.events.length).toBeLessThanOrEqual(LIMITS.pageEventsMax);
      expect(JSON.stringify(page).length).toBeLessThan(LIMITS.pageBytesMax * 2);
    }
    expect(reader.events(ROOM_A).map((e) => e.seq)).toEqual(
      Array.from({ length: 1205 }, (_, i) => i + 1),
    );
  });

  it('catches up only what comes after the given sequence', async () => {
    const r = await relay();
    const writer = await client(r.ws);
    writer.send({ type: 'push', events: [event(), event(), event()] });
    await writer.next('ack');
    const reader = await client(r.ws);
    reader.send({ type: 'subscribe', room: ROOM_A, after: 2 });
    expect(await reader.next('caught-up')).toEqual({ type: 'caught-up', room: ROOM_A, head: 3 });
    expect(reader.events(ROOM_A).map((e) => e.seq)).toEqual([3]);
  });

  it('gives concurrent pushes from many clients dense sequences', async () => {
    const r = await relay();
    const writers = await Promise.all(Array.from({ length: 8 }, () => client(r.ws)));
    writers.forEach((w, i) => {
      for (let j = 0; j < 5; j++) w.send({ type: 'push', events: [event(ROOM_A, `${i}-${j}`)] });
    });
    await Promise.all(writers.map((w) => w.next('ack', 5)));
    const seqs = writers.flatMap((w) => w.of('ack').flatMap((a) => a.acks.map((x) => x.seq)));
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('keeps events and epoch across a restart on the same database', async () => {
    const first = await relay();
    const c = await client(first.ws);
    const kept = event(ROOM_A, 'kept');
    c.send({ type: 'push', events: [kept] });
    await c.next('ack');
    const epoch = first.log.epoch;
    c.close();
    await first.close();

    const second = await relay(first.dbFile);
    const again = await client(second.ws);
    expect(again.of('welcome')[0]?.epoch).toBe(epoch);
    again.send({ type: 'subscribe', room: ROOM_A, after: 0 });
    await again.next('caught-up');
    expect(again.events(ROOM_A).map((e) => [e.id, e.seq])).toEqual([[kept.id, 1]]);
    expect(second.log.integrityCheck()).toBe('ok');
  });

  it('closes every socket with "going away" when it shuts down', async () => {
    const r = await relay();
    const c = await client(r.ws);
    await r.close();
    running.splice(running.indexOf(r), 1);
    await c.until(() => c.closed !== null, 'close');
    expect(c.closed?.code).toBe(CLOSE_CODES.goingAway);
  });
});

const ALICE = 'alice-author-1' as AuthorId;
const BOB = 'bob-author-01' as AuthorId;

/** A client that says who it is and is live in `room`, its presence frame received. */
async function member(url: string, author: AuthorId | null, room = ROOM_A) {
  const c = await client(url, author ? { author } : true);
  c.send({ type: 'subscribe', room, after: 0 });
  await c.next('presence');
  return c;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('typing and presence over a real socket', () => {
  it('passes typing on to the room, not back to the sender nor to other rooms, and stores nothing', async () => {
    const r = await relay();
    const writer = await client(r.ws);
    writer.send({ type: 'push', events: [event(ROOM_A, 'before')] });
    await writer.next('ack');
    const alice = await member(r.ws, ALICE);
    const bob = await member(r.ws, BOB);
    const elsewhere = await member(r.ws, BOB, ROOM_B);

    alice.send({ type: 'typing', room: ROOM_A, active: true });
    expect(await bob.next('typing')).toEqual({
      type: 'typing',
      room: ROOM_A,
      author: ALICE,
      ttl: 6000,
    });
    alice.send({ type: 'typing', room: ROOM_A, active: false });
    expect(await bob.next('typing', 2)).toEqual({
      type: 'typing',
      room: ROOM_A,
      author: ALICE,
      ttl: 0,
    });
    await settle();
    expect(alice.of('typing')).toEqual([]);
    expect(elsewhere.of('typing')).toEqual([]);
    expect(alice.of('error')).toEqual([]);
    // Never written anywhere: the log is as it was.
    expect(await r.log.head(ROOM_A)).toBe(1);
    expect(await r.log.head(ROOM_B)).toBe(0);
    expect((await r.log.read(ROOM_A, 0, { maxEvents: 10, maxBytes: 1e6 })).length).toBe(1);
  });

  it('refuses typing in a room not subscribed, or without an author, and keeps the connection', async () => {
    const r = await relay();
    const alice = await member(r.ws, ALICE);
    const anonymous = await member(r.ws, null);
    const bob = await member(r.ws, BOB);
    alice.send({ type: 'typing', room: ROOM_B, active: true });
    expect(await alice.next('error')).toMatchObject({ code: 'not_subscribed' });
    anonymous.send({ type: 'typing', room: ROOM_A, active: true });
    expect(await anonymous.next('error')).toMatchObject({ code: 'no_author' });
    expect(alice.of('error')[0]?.fatal).toBeUndefined();
    expect(anonymous.of('error')[0]?.fatal).toBeUndefined();

    alice.send({ type: 'typing', room: ROOM_A, active: true });
    await bob.next('typing');
    expect(bob.of('typing').map((t) => t.author)).toEqual([ALICE]);
    expect(alice.closed).toBeNull();
    expect(anonymous.closed).toBeNull();
  });

  it('passes on a start held back by the limit once the second is over', async () => {
    const r = await relay();
    const alice = await member(r.ws, ALICE);
    const bob = await member(r.ws, BOB);
    const started = Date.now();
    // Type, send, type again, send, type again: quicker than the limit.
    for (const active of [true, false, true, false, true]) {
      alice.send({ type: 'typing', room: ROOM_A, active });
    }
    await bob.next('typing', 5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(bob.of('typing').map((t) => t.ttl)).toEqual([6000, 0, 6000, 0, 6000]);
  });

  it('passes on at most two starts per second and room, but always the stop that follows', async () => {
    const r = await relay();
    const alice = await member(r.ws, ALICE);
    const bob = await member(r.ws, BOB);
    for (let i = 0; i < 6; i++) alice.send({ type: 'typing', room: ROOM_A, active: true });
    alice.send({ type: 'typing', room: ROOM_A, active: false });
    // A stop that changes nothing is not passed on either.
    alice.send({ type: 'typing', room: ROOM_A, active: false });
    await bob.until(() => bob.of('typing').some((t) => t.ttl === 0), 'the stop');
    await settle();
    expect(bob.of('typing').map((t) => t.ttl)).toEqual([6000, 6000, 0]);
  });

  it('tells each subscriber who is online, counting an author with two connections once', async () => {
    const r = await relay();
    const alice = await client(r.ws, { author: ALICE });
    alice.send({ type: 'subscribe', room: ROOM_A, after: 0 });
    expect(await alice.next('presence')).toEqual({
      type: 'presence',
      room: ROOM_A,
      online: [ALICE],
    });
    // Sent right after caught-up, so the subscriber knows the room before its people.
    const types = alice.frames.map((f) => f.type);
    expect(types.indexOf('presence')).toBe(types.indexOf('caught-up') + 1);

    const bob = await member(r.ws, BOB);
    expect(bob.of('presence')[0]?.online).toEqual([ALICE, BOB]);
    expect((await alice.next('presence', 2)).online).toEqual([ALICE, BOB]);

    const bobAgain = await member(r.ws, BOB);
    const anonymous = await member(r.ws, null);
    const elsewhere = await member(r.ws, ALICE, ROOM_B);
    expect(bobAgain.of('presence')[0]?.online).toEqual([ALICE, BOB]);
    expect(anonymous.of('presence')[0]?.online).toEqual([ALICE, BOB]);
    expect(elsewhere.of('presence')[0]?.online).toEqual([ALICE]);

    // Bob still has a connection in the room: nothing changes for the others.
    bob.close();
    await alice.until(() => r.hub.stats().connections === 4, 'the close');
    await settle();
    expect(alice.of('presence')).toHaveLength(2);
    // With his last one, he goes offline.
    bobAgain.close();
    expect((await alice.next('presence', 3)).online).toEqual([ALICE]);
    expect((await anonymous.next('presence', 2)).online).toEqual([ALICE]);
    expect(elsewhere.of('presence')).toHaveLength(1);
  });

  it('lets a connection unsubscribe: no more events or typing from the room, and it goes offline there', async () => {
    const r = await relay();
    const alice = await member(r.ws, ALICE);
    const bob = await member(r.ws, BOB);
    expect((await alice.next('presence', 2)).online).toEqual([ALICE, BOB]);
    bob.send({ type: 'typing', room: ROOM_A, active: true });
    await alice.next('typing');

    bob.send({ type: 'unsubscribe', room: ROOM_A });
    // Leaving stops the typing and takes Bob out of the room's presence.
    expect(await alice.next('typing', 2)).toMatchObject({ author: BOB, ttl: 0 });
    expect((await alice.next('presence', 3)).online).toEqual([ALICE]);
    const writer = await client(r.ws);
    writer.send({ type: 'push', events: [event(ROOM_A, 'after Bob left')] });
    await alice.next('events');
    await settle();
    expect(bob.of('events')).toHaveLength(0);
    // Typing there is now refused, and unsubscribing again is harmless.
    bob.send({ type: 'typing', room: ROOM_A, active: true });
    expect((await bob.next('error')).code).toBe('not_subscribed');
    bob.send({ type: 'unsubscribe', room: ROOM_A });
    bob.send({ type: 'unsubscribe', room: ROOM_B });
    await settle();
    expect(bob.of('error')).toHaveLength(1);
    expect(bob.closed).toBeNull();
  });

  it('stops the typing of someone whose connection closes', async () => {
    const r = await relay();
    const alice = await member(r.ws, ALICE);
    const bob = await member(r.ws, BOB);
    alice.send({ type: 'typing', room: ROOM_A, active: true });
    await bob.next('typing');
    alice.close();
    expect(await bob.next('typing', 2)).toMatchObject({ author: ALICE, ttl: 0 });
    expect((await bob.next('presence', 2)).online).toEqual([BOB]);
    expect(await r.log.head(ROOM_A)).toBe(0);
  });

  it('lets nothing a failing socket throws escape, and still tells the others', async () => {
    const hub = new Hub({ log: new MemoryEventLog(), logger: silentLogger });
    const sent: string[][] = [[], []];
    let broken = false;
    const socket = (i: number): RelaySocket => ({
      bufferedAmount: 0,
      close: () => undefined,
      send(text) {
        if (i === 0 && broken) throw new Error('socket gone');
        sent[i]!.push(text);
      },
    });
    const [a, b] = [hub.attach(socket(0)), hub.attach(socket(1))];
    a.receive(JSON.stringify({ type: 'hello', protocol: 1, author: ALICE }));
    b.receive(JSON.stringify({ type: 'hello', protocol: 1, author: BOB }));
    for (const c of [a, b])
      c.receive(JSON.stringify({ type: 'subscribe', room: ROOM_A, after: 0 }));
    await vi.waitFor(() => expect(sent[1]!.some((f) => f.includes('"presence"'))).toBe(true));
    await vi.waitFor(() => expect(sent[0]!.some((f) => f.includes('"presence"'))).toBe(true));
    b.receive(JSON.stringify({ type: 'typing', room: ROOM_A, active: true }));
    broken = true;
    // A typing signal and a presence change to the broken socket: neither throws.
    expect(() =>
      b.receive(JSON.stringify({ type: 'typing', room: ROOM_A, active: false })),
    ).not.toThrow();
    expect(() => b.closed()).not.toThrow();
    expect(() => a.closed()).not.toThrow();
    expect(hub.stats().connections).toBe(0);
    expect(hub.online(ROOM_A)).toEqual([]);
  });
});
