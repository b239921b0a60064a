import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  CLOSE_CODES,
  LIMITS,
  PROOF_TEXTS,
  PROTOCOL_VERSION,
  joinProof,
  newRoomSecret,
  roomKey,
  signEvent,
  signText,
  type AnyEvent,
  type Hello,
  type RoomId,
} from '../../shared/index.ts';
import { event, ROOM_A, ROOM_B } from '../log/event-log.contract.ts';
import { MemoryEventLog } from '../log/memory-event-log.ts';
import { startRelay, type RunningRelay } from '../server.ts';
import { Hub } from './hub.ts';
import { silentLogger, type RelaySocket } from './socket.ts';
import { TestClient, authFrame, testIdentity, type TestIdentity } from './test-client.ts';

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

async function client(
  url: string,
  hello: boolean | Partial<Hello> = true,
  identity?: TestIdentity | null,
) {
  const opened = await TestClient.open(url, hello, identity);
  clients.push(opened);
  return opened;
}

/** A relay whose ROOM_A holds `batches` pushes of `size` events, and the writer that pushed them. */
async function filled(batches: number, size = 100, text?: string) {
  const r = await relay();
  const writer = await client(r.ws);
  for (let i = 0; i < batches; i++) {
    await writer.push(Array.from({ length: size }, (_, j) => event(ROOM_A, text ?? `m${i}-${j}`)));
  }
  await writer.next('ack', batches);
  return { r, writer };
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const r of running.splice(0)) await r.close();
});

describe('sync over a real socket', () => {
  it('welcomes a client with the protocol, the log epoch and a connection id', async () => {
    const r = await relay();
    const c = await client(r.ws);
    expect(c.of('welcome')[0]).toMatchObject({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      epoch: r.log.epoch,
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/) as string,
    });
    expect(r.hub.stats().connections).toBe(1);
  });

  it('keeps no head for a room no one follows; who comes back gets what came meanwhile', async () => {
    const r = await relay();
    const writer = await client(r.ws);
    const reader = await client(r.ws);
    await reader.subscribe(ROOM_A);
    await writer.push([event(ROOM_A, 'one')]);
    await reader.until(() => reader.events(ROOM_A).length === 1, 'the first event');
    expect(r.hub.stats()).toMatchObject({ rooms: 1, heads: 1 });
    reader.send({ type: 'unsubscribe', room: ROOM_A });
    await reader.until(() => r.hub.stats().rooms === 0, 'the unsubscribe');
    expect(r.hub.stats().heads).toBe(0);
    // Written while no one follows: the hub notes nothing, the log has it all.
    await writer.push([event(ROOM_A, 'two'), event(ROOM_A, 'three')]);
    await writer.until(() => writer.of('ack').length === 2, 'the acks');
    expect(r.hub.stats().heads).toBe(0);
    const back = await client(r.ws);
    await back.subscribe(ROOM_A, 1);
    await back.until(() => back.events(ROOM_A).length === 2, 'what came meanwhile');
    expect(back.events(ROOM_A).map((e) => e.seq)).toEqual([2, 3]);
    await writer.push([event(ROOM_A, 'four')]);
    await back.until(() => back.events(ROOM_A).length === 3, 'the next one, live');
    expect(back.events(ROOM_A).at(-1)?.seq).toBe(4);
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

  it('lets a connection do nothing before it proves its key, and refuses a wrong or replayed proof', async () => {
    const r = await relay();
    const alice = await testIdentity('alice');
    for (const message of [
      { type: 'subscribe', room: ROOM_A, after: 0 },
      {
        type: 'push',
        events: [await signEvent({ ...event(), author: alice.author }, alice.privateKey)],
      },
      { type: 'typing', room: ROOM_A, active: true },
    ]) {
      const unproven = await client(r.ws, true, null);
      unproven.send(message);
      await unproven.until(() => unproven.closed !== null, 'close');
      expect(unproven.of('error')[0]).toMatchObject({ code: 'not_authenticated', fatal: true });
      expect(unproven.closed?.code).toBe(CLOSE_CODES.protocolError);
    }
    // Signed by another key than the one it names.
    const bob = await testIdentity('bob');
    const forger = await client(r.ws, true, null);
    forger.send({
      type: 'auth',
      author: alice.author,
      proof: await signText(bob.privateKey, PROOF_TEXTS.auth(forger.challenge)),
    });
    await forger.until(() => forger.closed !== null, 'close');
    expect(forger.of('error')[0]).toMatchObject({ code: 'auth_failed', fatal: true });
    expect(forger.closed?.code).toBe(CLOSE_CODES.authFailed);
    // Alice's real answer to her own connection's challenge, replayed on another one.
    const real = await client(r.ws, true, alice);
    const replayer = await client(r.ws, true, null);
    replayer.send({
      type: 'auth',
      author: alice.author,
      proof: await signText(alice.privateKey, PROOF_TEXTS.auth(real.challenge)),
    });
    await replayer.until(() => replayer.closed !== null, 'close');
    expect(replayer.of('error')[0]).toMatchObject({ code: 'auth_failed' });
    expect(real.challenge).not.toBe(replayer.challenge);
    expect(real.closed).toBeNull();
    expect(await r.log.head(ROOM_A)).toBe(0);
  });

  it('refuses an event by another author than the proven one, or unsigned, and stores the rest', async () => {
    const r = await relay();
    const alice = await testIdentity('alice');
    const bob = await testIdentity('bob');
    const c = await client(r.ws, true, alice);
    const asBob = await signEvent(
      { ...event(ROOM_A, 'as Bob'), author: bob.author },
      bob.privateKey,
    );
    const unsigned = { ...event(ROOM_A, 'unsigned'), author: alice.author };
    const good = await signEvent(
      { ...event(ROOM_A, 'good'), author: alice.author },
      alice.privateKey,
    );
    c.send({ type: 'push', events: [asBob, unsigned, good] });
    await c.next('ack');
    expect(c.of('rejected').map((x) => [x.id, x.code])).toEqual([
      [asBob.id, 'wrong_author'],
      [unsigned.id, 'unsigned_event'],
    ]);
    expect((await c.next('ack')).acks.map((a) => [a.id, a.seq])).toEqual([[good.id, 1]]);
    expect(await r.log.head(ROOM_A)).toBe(1);
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
    await c.push([bad, { ...event(), type: 'room.created' }]);
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
    await c.push([good]);
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
    await sender.push(pushed);
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
    const signed = await sender.push([poll, future]);
    expect((await sender.next('ack')).acks.map((a) => [a.id, a.seq])).toEqual([
      [poll.id, 1],
      [future.id, 2],
    ]);
    await peer.until(() => peer.events(ROOM_A).length === 2, 'both events');
    expect(peer.events(ROOM_A)).toEqual([
      { ...signed[0], seq: 1, rts: expect.any(Number) as number },
      { ...signed[1], seq: 2, rts: expect.any(Number) as number },
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
    await c.push([before, big, after]);
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
    await sender.push([once]);
    await sender.next('ack');
    await sender.push([event(ROOM_A), once]);
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
    const { r, writer } = await filled(12);

    const reader = await client(r.ws);
    reader.send({ type: 'subscribe', room: ROOM_A, after: 0 });
    // Keep writing while the reader catches up.
    for (let i = 0; i < 5; i++) void writer.push([event(ROOM_A, `live${i}`)]);
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

  it("sends a long room's latest events first when asked, then the rest of its history without them", async () => {
    const { r, writer } = await filled(12);

    const reader = await client(r.ws);
    reader.send({ type: 'subscribe', room: ROOM_A, after: 0, latest: 150 });
    for (let i = 0; i < 5; i++) void writer.push([event(ROOM_A, `live${i}`)]);
    await reader.next('caught-up');
    await writer.next('ack', 17);
    await reader.until(() => reader.events(ROOM_A).length >= 1205, 'all events');

    const [first, ...rest] = reader.of('events');
    expect(first?.latest).toBe(true);
    expect(first?.events.map((e) => e.seq)).toEqual(
      Array.from({ length: 150 }, (_, i) => 1051 + i),
    );
    expect(rest.every((page) => page.latest === undefined)).toBe(true);
    // The rest in order, each once, the latest left out.
    expect(rest.flatMap((page) => page.events.map((e) => e.seq))).toEqual([
      ...Array.from({ length: 1050 }, (_, i) => i + 1),
      ...[1201, 1202, 1203, 1204, 1205],
    ]);
  });

  it('ends the latest page at the head even when its events are large', async () => {
    const { r } = await filled(12, 50, 'x'.repeat(3000));

    const reader = await client(r.ws);
    reader.send({ type: 'subscribe', room: ROOM_A, after: 0, latest: 200 });
    await reader.next('caught-up');
    const [first, ...rest] = reader.of('events');
    const latest = first!.events.map((e) => e.seq);
    expect(first?.latest).toBe(true);
    expect(latest.at(-1)).toBe(600);
    expect(latest.length).toBeLessThan(200);
    expect(JSON.stringify(first).length).toBeLessThan(LIMITS.pageBytesMax + 4000);
    expect(rest.flatMap((page) => page.events.map((e) => e.seq))).toEqual(
      Array.from({ length: 600 - latest.length }, (_, i) => i + 1),
    );
  });

  it('sends no latest page when at most a page is missing', async () => {
    const { r } = await filled(6);
    const reader = await client(r.ws);
    reader.send({ type: 'subscribe', room: ROOM_A, after: 100, latest: 50 });
    await reader.next('caught-up');
    expect(reader.of('events').some((page) => page.latest)).toBe(false);
    expect(reader.events(ROOM_A).map((e) => e.seq)).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 101),
    );
  });

  it('catches up only what comes after the given sequence', async () => {
    const r = await relay();
    const writer = await client(r.ws);
    await writer.push([event(), event(), event()]);
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
      for (let j = 0; j < 5; j++) void w.push([event(ROOM_A, `${i}-${j}`)]);
    });
    await Promise.all(writers.map((w) => w.next('ack', 5)));
    const seqs = writers.flatMap((w) => w.of('ack').flatMap((a) => a.acks.map((x) => x.seq)));
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('keeps events and epoch across a restart on the same database', async () => {
    const first = await relay();
    const c = await client(first.ws);
    const kept = event(ROOM_A, 'kept');
    await c.push([kept]);
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

const ALICE_ID = await testIdentity('alice');
const BOB_ID = await testIdentity('bob');
const [ALICE, BOB] = [ALICE_ID.author, BOB_ID.author];

/** A client that proved who it is and is live in `room`, its presence frame received. */
async function member(url: string, identity: TestIdentity, room = ROOM_A) {
  const c = await client(url, true, identity);
  c.send({ type: 'subscribe', room, after: 0 });
  await c.next('presence');
  return c;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('typing and presence over a real socket', () => {
  it('passes typing on to the room, not back to the sender nor to other rooms, and stores nothing', async () => {
    const r = await relay();
    const writer = await client(r.ws);
    await writer.push([event(ROOM_A, 'before')]);
    await writer.next('ack');
    const alice = await member(r.ws, ALICE_ID);
    const bob = await member(r.ws, BOB_ID);
    const elsewhere = await member(r.ws, BOB_ID, ROOM_B);

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

  it('refuses typing in a room not subscribed, and keeps the connection', async () => {
    const r = await relay();
    const alice = await member(r.ws, ALICE_ID);
    const bob = await member(r.ws, BOB_ID);
    alice.send({ type: 'typing', room: ROOM_B, active: true });
    expect(await alice.next('error')).toMatchObject({ code: 'not_subscribed' });
    expect(alice.of('error')[0]?.fatal).toBeUndefined();

    alice.send({ type: 'typing', room: ROOM_A, active: true });
    await bob.next('typing');
    expect(bob.of('typing').map((t) => t.author)).toEqual([ALICE]);
    expect(alice.closed).toBeNull();
  });

  it('passes on a start held back by the limit once the second is over', async () => {
    const r = await relay();
    const alice = await member(r.ws, ALICE_ID);
    const bob = await member(r.ws, BOB_ID);
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
    const alice = await member(r.ws, ALICE_ID);
    const bob = await member(r.ws, BOB_ID);
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
    const alice = await client(r.ws, true, ALICE_ID);
    alice.send({ type: 'subscribe', room: ROOM_A, after: 0 });
    expect(await alice.next('presence')).toEqual({
      type: 'presence',
      room: ROOM_A,
      online: [ALICE],
    });
    // Sent right after caught-up, so the subscriber knows the room before its people.
    const types = alice.frames.map((f) => f.type);
    expect(types.indexOf('presence')).toBe(types.indexOf('caught-up') + 1);

    const bob = await member(r.ws, BOB_ID);
    expect(bob.of('presence')[0]?.online).toEqual([ALICE, BOB]);
    // Those already in the room hear only who came.
    expect(await alice.next('presence-change')).toEqual({
      type: 'presence-change',
      room: ROOM_A,
      joined: [BOB],
      left: [],
    });

    const bobAgain = await member(r.ws, BOB_ID);
    const elsewhere = await member(r.ws, ALICE_ID, ROOM_B);
    expect(bobAgain.of('presence')[0]?.online).toEqual([ALICE, BOB]);
    expect(elsewhere.of('presence')[0]?.online).toEqual([ALICE]);

    // Bob still has a connection in the room: nothing changes for the others.
    bob.close();
    await alice.until(() => r.hub.stats().connections === 3, 'the close');
    expect(r.hub.online(ROOM_A)).toEqual([ALICE, BOB]);
    await settle();
    expect(alice.of('presence-change')).toHaveLength(1);
    // With his last one, he goes offline.
    bobAgain.close();
    expect(await alice.next('presence-change', 2)).toMatchObject({ joined: [], left: [BOB] });
    expect(elsewhere.of('presence')).toHaveLength(1);
    expect(elsewhere.of('presence-change')).toHaveLength(0);
  });

  it('lets a connection unsubscribe: no more events or typing from the room, and it goes offline there', async () => {
    const r = await relay();
    const alice = await member(r.ws, ALICE_ID);
    const bob = await member(r.ws, BOB_ID);
    expect(await alice.next('presence-change')).toMatchObject({ joined: [BOB], left: [] });
    bob.send({ type: 'typing', room: ROOM_A, active: true });
    await alice.next('typing');

    bob.send({ type: 'unsubscribe', room: ROOM_A });
    // Leaving stops the typing and takes Bob out of the room's presence.
    expect(await alice.next('typing', 2)).toMatchObject({ author: BOB, ttl: 0 });
    expect(await alice.next('presence-change', 2)).toMatchObject({ joined: [], left: [BOB] });
    const writer = await client(r.ws);
    await writer.push([event(ROOM_A, 'after Bob left')]);
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
    const alice = await member(r.ws, ALICE_ID);
    const bob = await member(r.ws, BOB_ID);
    alice.send({ type: 'typing', room: ROOM_A, active: true });
    await bob.next('typing');
    alice.close();
    expect(await bob.next('typing', 2)).toMatchObject({ author: ALICE, ttl: 0 });
    expect(await bob.next('presence-change')).toMatchObject({ joined: [], left: [ALICE] });
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
        sent[i]!.push(String(text));
      },
    });
    const [a, b] = [hub.attach(socket(0)), hub.attach(socket(1))];
    a.receive(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    b.receive(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    a.receive(await authFrame(ALICE_ID, a.challenge));
    b.receive(await authFrame(BOB_ID, b.challenge));
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
    // Nothing is kept of a room no one follows any more.
    expect(hub.stats()).toEqual({ connections: 0, rooms: 0, heads: 0 });
    expect(hub.online(ROOM_A)).toEqual([]);
  });
});

describe('heads the hub keeps', () => {
  /** A log whose head reads, once read, wait to be let through: a slow disk's. */
  class HeldHeads extends MemoryEventLog {
    hold = true;
    readonly waiting: (() => void)[] = [];
    override async head(room: RoomId): Promise<number> {
      const head = await super.head(room);
      if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
      return head;
    }
  }

  it('keeps no head read while its room was left and followed again: the next follower gets all', async () => {
    const log = new HeldHeads();
    const hub = new Hub({ log, logger: silentLogger });
    const open = async (identity: TestIdentity) => {
      const frames: { type: string; events?: { seq: number }[] }[] = [];
      const connection = hub.attach({
        bufferedAmount: 0,
        close: () => undefined,
        send: (text) => frames.push(JSON.parse(String(text)) as (typeof frames)[number]),
      });
      connection.receive(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
      connection.receive(await authFrame(identity, connection.challenge));
      const send = (message: object) => connection.receive(JSON.stringify(message));
      return { frames, send };
    };
    const subscribe = { type: 'subscribe', room: ROOM_A, after: 0 };

    const first = await open(ALICE_ID);
    first.send(subscribe);
    // Its head read (0) is held; it leaves, and two events are written while no one follows.
    await vi.waitFor(() => expect(log.waiting).toHaveLength(1));
    first.send({ type: 'unsubscribe', room: ROOM_A });
    const writer = await open(BOB_ID);
    const events = await Promise.all(
      ['one', 'two'].map((text) =>
        signEvent({ ...event(ROOM_A, text), author: BOB }, BOB_ID.privateKey),
      ),
    );
    writer.send({ type: 'push', events });
    await vi.waitFor(() => expect(writer.frames.some((f) => f.type === 'ack')).toBe(true));
    // Someone follows again (their read held too), then the old read comes back.
    const second = await open(BOB_ID);
    second.send(subscribe);
    await vi.waitFor(() => expect(log.waiting).toHaveLength(2));
    log.waiting[0]!();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A third follower must not take that read for the room's head.
    const third = await open(ALICE_ID);
    third.send(subscribe);
    await new Promise((resolve) => setTimeout(resolve, 20));
    log.hold = false;
    for (const release of log.waiting) release();
    for (const follower of [second, third]) {
      await vi.waitFor(() =>
        expect(follower.frames.some((f) => f.type === 'caught-up')).toBe(true),
      );
      const seqs = follower.frames.flatMap((f) => (f.type === 'events' ? f.events! : []));
      expect(seqs.map((e) => e.seq)).toEqual([1, 2]);
    }
  });
});

describe('room capabilities over a real socket', () => {
  const ROOM = 'keyed-room' as RoomId;

  function created(key: string): AnyEvent {
    return { ...event(ROOM), type: 'room.created', payload: { name: 'Plans', key } };
  }

  /** A relay with a keyed room, its creator live in it and one message in it. */
  async function keyedRoom() {
    const r = await relay();
    const secret = newRoomSecret();
    const { publicKey } = await roomKey(secret);
    const creator = await client(r.ws, true, ALICE_ID);
    await creator.subscribe(ROOM, 0, secret);
    await creator.next('caught-up');
    await creator.push([created(publicKey), event(ROOM, 'secret plans')]);
    expect((await creator.next('ack')).acks.map((a) => a.seq)).toEqual([1, 2]);
    return { r, secret, creator };
  }

  it('lets in a connection that proves the secret: catch-up, presence, typing', async () => {
    const { r, secret, creator } = await keyedRoom();
    const bob = await client(r.ws, true, BOB_ID);
    await bob.subscribe(ROOM, 0, secret);
    await bob.next('presence');
    expect(bob.events(ROOM).map((e) => e.seq)).toEqual([1, 2]);
    creator.send({ type: 'typing', room: ROOM, active: true });
    expect(await bob.next('typing')).toMatchObject({ author: ALICE });
    await bob.push([event(ROOM, 'count me in')]);
    expect((await bob.next('ack')).acks[0]?.seq).toBe(3);
  });

  it('refuses a subscribe without proof, with a proof for another room, or replayed from another connection', async () => {
    const { r, secret, creator } = await keyedRoom();
    const key = (await roomKey(secret)).publicKey;
    const none = await client(r.ws, true, BOB_ID);
    none.send({ type: 'subscribe', room: ROOM, after: 0 });
    const otherRoom = await client(r.ws, true, BOB_ID);
    otherRoom.send({
      type: 'subscribe',
      room: ROOM,
      after: 0,
      key,
      proof: await joinProof(secret, otherRoom.challenge, 'another-room' as RoomId),
    });
    const wrongSecret = await client(r.ws, true, BOB_ID);
    await wrongSecret.subscribe(ROOM, 0, newRoomSecret());
    // Alice's own proof, made for her connection's challenge, copied onto Bob's.
    const replayer = await client(r.ws, true, BOB_ID);
    replayer.send({
      type: 'subscribe',
      room: ROOM,
      after: 0,
      key,
      proof: await joinProof(secret, creator.challenge, ROOM),
    });
    for (const c of [none, otherRoom, wrongSecret, replayer]) {
      // Named, so the client can tell the reader which room is closed to them.
      expect(await c.next('error')).toMatchObject({ code: 'room_denied', room: ROOM });
    }
    await settle();
    for (const c of [none, otherRoom, wrongSecret, replayer]) {
      // Nothing of the room: no events, no catch-up, no presence; the connection goes on.
      expect(c.of('events')).toEqual([]);
      expect(c.of('caught-up')).toEqual([]);
      expect(c.of('presence')).toEqual([]);
      expect(c.closed).toBeNull();
    }
    // And they count for no one's presence.
    expect(r.hub.online(ROOM)).toEqual([ALICE]);
  });

  it('refuses pushes into a room not joined, and leaks no typing or presence to outsiders', async () => {
    const { r, creator } = await keyedRoom();
    const outsider = await client(r.ws, true, BOB_ID);
    outsider.send({ type: 'subscribe', room: ROOM, after: 0 });
    await outsider.next('error');
    const [sneaked] = await outsider.push([event(ROOM, 'let me in')]);
    expect(await outsider.next('rejected')).toMatchObject({ id: sneaked!.id, code: 'room_denied' });
    outsider.send({ type: 'typing', room: ROOM, active: true });
    expect((await outsider.next('error', 2)).code).toBe('not_subscribed');
    creator.send({ type: 'typing', room: ROOM, active: true });
    await creator.push([event(ROOM, 'only for members')]);
    await creator.next('ack', 2);
    await settle();
    expect(outsider.of('typing')).toEqual([]);
    expect(outsider.of('presence')).toEqual([]);
    expect(outsider.of('events')).toEqual([]);
    expect(creator.of('typing')).toEqual([]);
    expect(await r.log.head(ROOM)).toBe(3);
  });

  it('takes a new room’s first event only as the room.created of the key its pusher proved', async () => {
    const r = await relay();
    const secret = newRoomSecret();
    const { publicKey } = await roomKey(secret);
    const early = await client(r.ws, true, BOB_ID);
    await early.subscribe(ROOM, 0, secret);
    await early.next('caught-up');
    // Joined through the link before the room reached the relay: refused, not made open.
    const [join] = await early.push([{ ...event(ROOM), type: 'member.joined', payload: {} }]);
    expect(await early.next('rejected')).toMatchObject({ id: join!.id, code: 'room_denied' });
    const other = (await roomKey(newRoomSecret())).publicKey;
    await early.push([created(other)]);
    expect((await early.next('rejected', 2)).code).toBe('room_denied');
    expect(await r.log.head(ROOM)).toBe(0);
    await early.push([created(publicKey), event(ROOM, 'now it exists')]);
    expect((await early.next('ack')).acks.map((a) => a.seq)).toEqual([1, 2]);
    // From now on the room is keyed: the same name without the secret gets nothing.
    const late = await client(r.ws, true, ALICE_ID);
    late.send({ type: 'subscribe', room: ROOM, after: 0 });
    expect((await late.next('error')).code).toBe('room_denied');
  });
});
