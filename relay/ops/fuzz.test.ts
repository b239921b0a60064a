/**
 * Fuzzing a relay process. Malformed JSON, binary junk, wrong field types, unknown
 * message types, events failing their schema, oversized frames, pushes past the batch
 * and rate limits, too many rooms, forged authors, unsigned events, a replayed challenge,
 * a keyed room without its proof, a foreign origin and thousands of connections from one
 * address each get their error or close code; then seeded random mutations of valid
 * frames. Meanwhile a well-behaved writer and reader keep sending and receiving, and at
 * the end every stored event is valid and the relay still serves.
 *
 * The seed is printed; KAFKY_FUZZ_SEED=<n> replays the same frames, KAFKY_FUZZ_FRAMES=<n>
 * sets how many random ones are sent (400 by default).
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  CLOSE_CODES,
  ERROR_CODES,
  PROOF_TEXTS,
  checkStorable,
  newRoomSecret,
  roomKey,
  signEvent,
  signText,
  type AnyEvent,
  type RoomId,
} from '../../shared/index.ts';
import { event } from '../log/event-log.contract.ts';
import { TestClient, testIdentity } from '../sync/test-client.ts';
import { envInteger, seededRandom } from '../testing/randomized.ts';
import { RelayProcess } from '../testing/relay-process.ts';
import { acked, connect, metrics, push, sample, sleep, subscribe } from './test-support.ts';

const SEED = envInteger('KAFKY_FUZZ_SEED', Math.floor(Math.random() * 2 ** 31), 0);
const FRAMES = envInteger('KAFKY_FUZZ_FRAMES', 400, 1);
const CONNECTIONS = 3000;
const LIMITS = {
  frame: 16 * 1024,
  push: 20,
  rooms: 5,
  perAddress: 50,
  rate: 50,
  burst: 100,
};
const GOOD_ROOM = 'fuzz-good' as RoomId;
/** Close codes a relay may use on a client that misbehaves (1009: ws's own, for a huge frame). */
const CLOSES = new Set<number>([
  CLOSE_CODES.protocolError,
  CLOSE_CODES.protocolMismatch,
  CLOSE_CODES.tryAgainLater,
  CLOSE_CODES.slowConsumer,
  ...Object.values(CLOSE_CODES).filter((code) => code >= 4000),
  1009,
]);
/** How a refused unsigned or malformed event may be refused, before and after signing. */
const EVENT_REFUSALS = ['invalid_event', 'unsigned_event', 'bad_signature', 'wrong_author'];

let relay: RelayProcess | undefined;
const open: TestClient[] = [];
afterAll(async () => {
  for (const c of open) c.close();
  await relay?.dispose();
});

async function client(hello = true): Promise<TestClient> {
  const c = hello ? await connect(relay!.url) : await TestClient.open(wsUrl(), false);
  open.push(c);
  return c;
}

const wsUrl = () => `${relay!.url.replace(/^http/, 'ws')}/sync`;
const errors = (c: TestClient) => c.of('error').map((e) => e.code);

/** A raw socket's fate: opened, or refused at the upgrade (status) or at once (close code). */
function rawSocket(headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl(), { headers });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', () => resolve(-1));
    socket.once('open', () => {
      // A socket admitted in a race is closed at once with 1013: wait a moment for it.
      const timer = setTimeout(() => resolve(socket), 200);
      socket.once('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  });
}

/** Seeded random mutations of valid client frames. */
function mutator(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const junk = () =>
    pick<unknown>([
      null,
      true,
      -1,
      1e308,
      '',
      'x'.repeat(Math.floor(random() * 300)),
      [],
      [1, 'two'],
      {},
      { nested: { deeper: [null] } },
      '\u0000\uffff',
    ]);
  const valid = (): Record<string, unknown> =>
    pick([
      () => ({ type: 'subscribe', room: pick(['fuzz-a', 'fuzz-b']), after: 0 }),
      () => ({ type: 'unsubscribe', room: 'fuzz-a' }),
      () => ({ type: 'typing', room: 'fuzz-a', active: random() < 0.5 }),
      () => ({ type: 'push', events: [event('fuzz-a' as RoomId, 'fuzzed')] }),
      () => ({ type: 'hello', protocol: 1, agent: 'fuzz' }),
    ])();
  return (): string | Buffer => {
    const frame = valid();
    const kind = random();
    if (kind < 0.1) return Buffer.from(Array.from({ length: 64 }, () => random() * 256));
    const text = (): string => JSON.stringify(frame);
    if (kind < 0.2) return text().slice(0, Math.floor(random() * text().length));
    const target =
      frame.type === 'push' && random() < 0.6
        ? ((frame.events as Record<string, unknown>[])[0] as Record<string, unknown>)
        : frame;
    const keys = Object.keys(target);
    const key = pick(keys);
    if (kind < 0.4) delete target[key];
    else if (kind < 0.75) target[key] = junk();
    else if (kind < 0.85) target[`extra${Math.floor(random() * 9)}`] = junk();
    else if (kind < 0.95) frame.type = pick(['Push', 'explode', '', 'hello ', 'ack', 'events']);
    else if (target.payload) (target.payload as Record<string, unknown>).text = junk();
    return text();
  };
}

describe('fuzzing a relay process', () => {
  it('answers every bad input with its error or close code, stores nothing invalid, and keeps serving', async () => {
    console.log(`fuzz: seed ${SEED}, replay with KAFKY_FUZZ_SEED=${SEED}`);
    relay = await RelayProcess.start({
      staticDir: null,
      args: [
        ...['--max-frame-bytes', String(LIMITS.frame), '--max-event-bytes', '4096'],
        ...['--max-push-events', String(LIMITS.push), '--max-rooms-per-connection', '5'],
        ...['--max-connections-per-address', String(LIMITS.perAddress)],
        ...['--events-per-second', String(LIMITS.rate), '--event-burst', String(LIMITS.burst)],
      ],
    });

    // The well-behaved pair, all along: one event at a time, each waiting for its ack.
    const writer = await client();
    const reader = await client();
    await subscribe(reader, GOOD_ROOM);
    await reader.next('caught-up');
    const good: AnyEvent[] = [];
    let steady = true;
    const steadyWriting = (async () => {
      while (steady) {
        const next = event(GOOD_ROOM, `steady ${good.length}`);
        good.push(next);
        await push(writer, [next]);
        await writer.until(() => acked(writer).length === good.length, 'ack', 15_000);
        await sleep(20);
      }
    })();

    // Malformed JSON, binary junk, wrong field types, an unknown type: an error each, and
    // the connection goes on.
    const bad = await client();
    bad.sendRaw('{"type": "push", "events": [');
    bad.sendRaw(Buffer.from([0, 159, 146, 150, 255]));
    bad.send({ type: 'subscribe', room: 42, after: 'x' });
    bad.send({ type: 'explode' });
    await bad.until(() => errors(bad).length === 4, 'four errors');
    expect(errors(bad)).toEqual([
      'bad_json',
      'invalid_message',
      'invalid_message',
      'unknown_message_type',
    ]);

    // Events failing their schema: a push whose envelopes are wrong is refused whole; one
    // whose payloads are wrong has each event refused on its own.
    const ok = event('fuzz-a' as RoomId, 'fine');
    bad.send({
      type: 'push',
      events: [
        { ...event('fuzz-a' as RoomId), v: 'one' },
        { ...event(), id: 'not-an-id' },
      ],
    });
    await bad.until(() => errors(bad).length === 5, 'an error for the push');
    expect(errors(bad)[4]).toBe('invalid_message');
    bad.send({
      type: 'push',
      events: ['', 42, 'x'.repeat(5000)].map((text) => ({
        ...event('fuzz-a' as RoomId),
        payload: { text },
      })),
    });
    await bad.until(() => bad.of('rejected').length === 3, 'three refusals');
    for (const refusal of bad.of('rejected')) expect(EVENT_REFUSALS).toContain(refusal.code);
    await push(bad, [ok]);
    await bad.until(() => acked(bad).includes(ok.id), 'the valid one');

    // Oversized frames: refused with an error; far past the limit, cut off by ws (1009).
    bad.sendRaw('x'.repeat(LIMITS.frame + 1));
    await bad.until(() => errors(bad).includes('frame_too_large'), 'frame_too_large');
    bad.sendRaw('x'.repeat(LIMITS.frame * 4 + 1));
    await bad.until(() => bad.closed !== null, 'the close');
    expect(bad.closed?.code).toBe(1009);

    // A push over the batch limit, then a flood past the rate: refused whole, with when to retry.
    const flood = await client();
    await push(
      flood,
      Array.from({ length: LIMITS.push + 1 }, () => event('fuzz-b' as RoomId)),
    );
    await flood.until(() => errors(flood).includes('push_too_large'), 'push_too_large');
    for (let i = 0; i < 10; i++) {
      await push(
        flood,
        Array.from({ length: LIMITS.push }, () => event('fuzz-b' as RoomId)),
      );
    }
    await flood.until(() => errors(flood).includes('rate_limited'), 'rate_limited');
    const limited = flood.of('error').find((e) => e.code === 'rate_limited')!;
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    await sleep(300);
    expect(acked(flood).length % LIMITS.push).toBe(0);
    expect(acked(flood).length).toBeLessThanOrEqual(LIMITS.burst + LIMITS.push * 2);

    // Too many rooms, and a message before hello.
    for (let i = 0; i <= LIMITS.rooms; i++) await subscribe(flood, `fuzz-room-${i}` as RoomId);
    await flood.until(() => errors(flood).includes('too_many_rooms'), 'too_many_rooms');
    const rude = await client(false);
    rude.send({ type: 'subscribe', room: 'fuzz-a', after: 0 });
    await rude.until(() => rude.closed !== null, 'the close');
    expect(errors(rude)).toEqual(['not_ready']);
    expect(rude.closed?.code).toBe(CLOSE_CODES.protocolError);

    // Forged authors, unsigned events, a replayed challenge, a keyed room without its proof.
    const [alice, mallory] = [await testIdentity('fuzz-alice'), await testIdentity('fuzz-mallory')];
    const keyed = 'fuzz-keyed' as RoomId;
    const secret = newRoomSecret();
    const owner = await TestClient.open(wsUrl(), true, alice);
    open.push(owner);
    await owner.subscribe(keyed, 0, secret);
    await owner.next('caught-up');
    const key = (await roomKey(secret)).publicKey;
    await owner.push([{ ...event(keyed), type: 'room.created', payload: { name: 'K', key } }]);
    await owner.next('ack');
    const intruder = await TestClient.open(wsUrl(), true, mallory);
    open.push(intruder);
    const asAlice = await signEvent(
      { ...event('fuzz-a' as RoomId, 'forged'), author: alice.author },
      mallory.privateKey,
    );
    const unsigned = { ...event('fuzz-a' as RoomId, 'unsigned'), author: mallory.author };
    intruder.send({ type: 'push', events: [asAlice, unsigned] });
    await intruder.push([event(keyed, 'sneaking in')]);
    intruder.send({ type: 'subscribe', room: keyed, after: 0 });
    await intruder.until(() => intruder.of('rejected').length === 3, 'three refusals');
    expect(intruder.of('rejected').map((r) => r.code)).toEqual([
      'wrong_author',
      'unsigned_event',
      'room_denied',
    ]);
    await intruder.until(() => errors(intruder).includes('room_denied'), 'room_denied');
    expect(intruder.of('events')).toEqual([]);
    const replayer = await TestClient.open(wsUrl(), true, null);
    open.push(replayer);
    replayer.send({
      type: 'auth',
      author: alice.author,
      proof: await signText(alice.privateKey, PROOF_TEXTS.auth(owner.challenge)),
    });
    await replayer.until(() => replayer.closed !== null, 'the close');
    expect(errors(replayer)).toEqual(['auth_failed']);
    expect(replayer.closed?.code).toBe(CLOSE_CODES.authFailed);
    intruder.close();
    owner.close();

    // A page of another site: refused at the upgrade.
    expect(await rawSocket({ Origin: 'https://evil.example' })).toBe(403);

    // Thousands of connections from one address: past the limit, each is refused.
    const fates = [];
    for (let i = 0; i < CONNECTIONS; i += 200) {
      fates.push(...(await Promise.all(Array.from({ length: 200 }, () => rawSocket()))));
    }
    const admitted = fates.filter((f): f is WebSocket => typeof f !== 'number');
    const refused = fates.filter((f) => typeof f === 'number');
    expect(admitted.length).toBeLessThanOrEqual(LIMITS.perAddress);
    expect(refused.length).toBeGreaterThanOrEqual(CONNECTIONS - LIMITS.perAddress);
    // 429 at the upgrade; 1013 for one that got past that check in a race.
    for (const fate of refused) expect([429, CLOSE_CODES.tryAgainLater]).toContain(fate);
    for (const socket of admitted) socket.close();
    await sleep(300);

    // Seeded random mutations of valid frames, on connections reopened when one is closed.
    const mutate = mutator(seededRandom(SEED));
    let fuzzed = await client();
    const closes: number[] = [];
    const codes = new Set<string>();
    for (let i = 0; i < FRAMES; i++) {
      if (fuzzed.closed) {
        closes.push(fuzzed.closed.code);
        for (const code of errors(fuzzed)) codes.add(code);
        fuzzed = await client();
      }
      const frame = mutate();
      fuzzed.sendRaw(frame);
      if (i % 20 === 0) await sleep(5);
    }
    await sleep(500);
    for (const code of errors(fuzzed)) codes.add(code);
    for (const code of codes) expect(ERROR_CODES).toContain(code);
    for (const code of closes) expect(CLOSES).toContain(code);
    console.log(
      `fuzz: ${FRAMES} random frames: errors ${[...codes].sort().join(', ')}; closes ${closes.join(', ') || 'none'}`,
    );

    // The well-behaved pair went on throughout, and the relay still serves.
    steady = false;
    await steadyWriting;
    await reader.until(() => reader.events(GOOD_ROOM).length === good.length, 'every event');
    expect(reader.events(GOOD_ROOM).map((e) => e.id)).toEqual(good.map((e) => e.id));
    expect(reader.closed).toBeNull();
    expect(good.length).toBeGreaterThan(10);
    expect((await relay.health()).status).toBe('ok');

    // The metrics saw it all.
    const seen = await metrics(relay.url);
    const refusedBy = (reason: string) =>
      sample(seen, `kafky_connections_refused_total{reason="${reason}"}`) ?? 0;
    expect(refusedBy('origin_not_allowed')).toBe(1);
    expect(refusedBy('too_many_connections')).toBeGreaterThanOrEqual(refused.length);
    expect(sample(seen, 'kafky_events_refused_total{code="rate_limited"}')).toBeGreaterThan(0);
    expect(sample(seen, 'kafky_events_refused_total{code="push_too_large"}')).toBe(LIMITS.push + 1);
    expect(sample(seen, 'kafky_errors_sent_total{code="bad_json"}')).toBeGreaterThan(0);
    expect(sample(seen, 'kafky_events_acknowledged_total')).toBeGreaterThanOrEqual(good.length);

    // Nothing invalid was stored: every event read back passes the relay's own check.
    const db = new Database(relay.dbFile, { readonly: true });
    const rooms = db.prepare('SELECT DISTINCT room FROM events').pluck().all() as RoomId[];
    const total = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
    db.close();
    const check = await client();
    let read = 0;
    for (const room of rooms) {
      if (room === keyed) await check.subscribe(room, 0, secret);
      else await subscribe(check, room);
      await check.until(() => check.of('caught-up').some((c) => c.room === room), `room ${room}`);
      for (const { seq: _seq, rts: _rts, ...stored } of check.events(room)) {
        expect(checkStorable(stored).ok, JSON.stringify(stored)).toBe(true);
        read += 1;
      }
      check.send({ type: 'unsubscribe', room });
    }
    expect(read).toBe(total);
  }, 120_000);
});
