import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES, LIMITS } from '../../shared/index.ts';
import { event, ROOM_A, ROOM_B } from '../log/event-log.contract.ts';
import { startRelay, type RunningRelay } from '../server.ts';
import { silentLogger } from './socket.ts';
import { TestClient } from './test-client.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafky-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const running: RunningRelay[] = [];
const clients: TestClient[] = [];

async function relay(dbFile = join(dir, `relay-${++files}.sqlite`)) {
  const started = await startRelay(
    { port: 0, host: '127.0.0.1', dbFile, staticDir: null },
    { logger: silentLogger, helloTimeoutMs: 500 },
  );
  running.push(started);
  return Object.assign(started, { dbFile, ws: started.url.replace('http', 'ws') + '/sync' });
}

async function client(url: string, hello = true) {
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
    c.send({ type: 'push', events: [bad, { ...event(), type: 'poll.created' }] });
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
      [expect.any(String), 'unknown_event_type'],
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
