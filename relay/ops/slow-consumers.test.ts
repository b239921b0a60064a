/**
 * Many consumers that stop reading, in a busy room, on a real relay process: each is
 * closed as a slow consumer once it has more than --max-buffered-bytes unsent, the
 * relay's memory stays within what the cap allows, the healthy consumers get every event
 * in order, and a closed consumer that comes back catches up from its cursor.
 *
 * KAFKY_STALLED_CONSUMERS sets how many stall (1000 by default).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../shared/index.ts';
import { event, ROOM_A } from '../log/event-log.contract.ts';
import type { TestClient } from '../sync/test-client.ts';
import { envInteger } from '../testing/randomized.ts';
import { RelayProcess } from '../testing/relay-process.ts';
import { acked, connect, connectAs, metrics, push, sample, subscribe } from './test-support.ts';

const STALLED = envInteger('KAFKY_STALLED_CONSUMERS', 1000, 1);
const CAP = 64 * 1024;
/** Each event's text: 3,000 characters, so a push of 50 is a frame of about 160 KB. */
const TEXT = 'x'.repeat(3000);
const BATCH = 50;
/**
 * Enough for each stalled socket to fill what the kernel buffers for it (some 4 MB on
 * loopback) and then pass the cap many times over.
 */
const EVENTS = 3000;

let relay: RelayProcess | undefined;
const clients: TestClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await relay?.dispose();
});

/** Opens `count` subscribed consumers, some at a time, and waits for each to catch up. */
async function consumers(url: string, count: number, author: string): Promise<TestClient[]> {
  const opened: TestClient[] = [];
  for (let i = 0; i < count; i += 100) {
    const group = await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, () => connectAs(url, author)),
    );
    await Promise.all(group.map((c) => subscribe(c, ROOM_A)));
    await Promise.all(group.map((c) => c.next('caught-up')));
    opened.push(...group);
  }
  clients.push(...opened);
  return opened;
}

/** Stops reading the socket: what the relay sends piles up in the kernel, then at the relay. */
function stall(client: TestClient): void {
  (client as unknown as { socket: { pause(): void } }).socket.pause();
}

describe('slow consumers', () => {
  it(`closes ${STALLED} stalled consumers in a busy room; memory stays bounded and everyone else gets every event`, async () => {
    relay = await RelayProcess.start({
      staticDir: null,
      args: [
        ...['--max-buffered-bytes', String(CAP), '--max-connections-per-address', '0'],
        ...['--events-per-second', '0'],
      ],
      stopTimeoutMs: 30_000,
    });
    const healthy = await consumers(relay.url, 2, 'healthy');
    // One author for all: a thousand people joining would announce presence to each other.
    const stalled = await consumers(relay.url, STALLED, 'stalled');
    for (const c of stalled) stall(c);
    const before = await metrics(relay.url);
    const baseline = sample(before, 'process_resident_memory_bytes')!;
    expect(sample(before, 'kafky_connections')).toBe(STALLED + 2);

    const writer = await connect(relay.url);
    clients.push(writer);
    const sent: AnyEvent[] = [];
    for (let i = 0; i < EVENTS; i += BATCH) {
      const batch = Array.from({ length: BATCH }, () => event(ROOM_A, TEXT));
      sent.push(...batch);
      await push(writer, batch);
      // A writer that waits for its acknowledgement, as a browser's window does.
      await writer.until(() => acked(writer).length >= i + BATCH, 'ack', 30_000);
    }
    for (const c of healthy) {
      await c.until(() => c.events(ROOM_A).length >= EVENTS, 'every event', 30_000);
      expect(c.events(ROOM_A).map((e) => e.id)).toEqual(sent.map((e) => e.id));
      expect(c.closed).toBeNull();
    }
    const after = await metrics(relay.url);
    expect(sample(after, 'kafky_slow_consumer_disconnects_total')).toBe(STALLED);
    expect(sample(after, 'kafky_connections')).toBe(3);
    // What each stalled socket may hold at the relay: the cap, and the frame that passed it.
    const frame = JSON.stringify({ type: 'events', room: ROOM_A, events: sent.slice(0, BATCH) });
    const allowance = STALLED * (CAP + frame.length);
    const peak = sample(after, 'kafky_process_max_resident_memory_bytes')!;
    const pushed = STALLED * JSON.stringify(sent).length;
    console.log(
      `${STALLED} stalled consumers of a room of ${(JSON.stringify(sent).length / 2 ** 20).toFixed(0)} MiB ` +
        `(${(pushed / 2 ** 20).toFixed(0)} MiB for them all, uncapped): relay RSS ` +
        `${(baseline / 2 ** 20).toFixed(0)} MiB before, peak ${(peak / 2 ** 20).toFixed(0)} MiB; ` +
        `the cap allows ${(allowance / 2 ** 20).toFixed(0)} MiB more`,
    );
    expect(peak - baseline).toBeLessThan(allowance + 200 * 2 ** 20);

    // One of them comes back and catches up from where it was.
    const back = await connect(relay.url);
    clients.push(back);
    const cursor = stalled[0]!.events(ROOM_A).at(-1)?.seq ?? 0;
    await subscribe(back, ROOM_A, cursor);
    await back.next('caught-up');
    expect(back.events(ROOM_A).map((e) => e.seq)).toEqual(
      Array.from({ length: EVENTS - cursor }, (_, i) => cursor + i + 1),
    );
  }, 90_000);
});
