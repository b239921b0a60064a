/**
 * Load generator for durable ingest: a share of the K clients, each with its own socket,
 * pushing `message.sent` events in a closed loop: the next push goes out as soon as the
 * previous one is acknowledged (`window` pushes in flight, `batch` events each).
 */
import type { RelayMessage, RoomId } from '../../shared/index.ts';
import { serve } from '../lib/procs.ts';
import { monoMs } from '../lib/stats.ts';
import type { WireClient } from '../lib/wire.ts';
import { chatEvent, connectMany, history, pushAll, roomId, signHistory } from '../lib/wire.ts';

let clients: WireClient[] = [];
let offset = 0;
let roomCount = 1;

async function connect(args: { url: string; count: number; rooms: number; offset: number }) {
  clients = await connectMany(args.url, args.count);
  offset = args.offset;
  roomCount = args.rooms;
  return clients.length;
}

interface RunArgs {
  warmupMs: number;
  durationMs: number;
  window: number;
  batch: number;
}

async function run({ warmupMs, durationMs, window, batch }: RunArgs) {
  const start = monoMs();
  const from = start + warmupMs;
  const until = from + durationMs;
  const latencies: number[] = [];
  const perRts = new Map<number, number>();
  let acked = 0;
  let failures = 0;
  let inFlight = 0;
  let n = 0;
  let drained: () => void = () => {};

  const loops = clients.map((client, i) => {
    const room = roomId((offset + i) % roomCount);
    const author = client.author;
    const sentAt = new Map<string, number>();
    const push = () => {
      const events = Array.from({ length: batch }, () =>
        chatEvent(room, author, `bench message ${++n} from ${author}, about sixty characters`),
      );
      const now = monoMs();
      for (const event of events) sentAt.set(event.id, now);
      inFlight += 1;
      client.send({ type: 'push', events });
    };
    client.onMessage = (message: RelayMessage) => {
      if (message.type === 'rejected' || message.type === 'error') {
        failures += 1;
        return;
      }
      if (message.type !== 'ack') return;
      const now = monoMs();
      for (const ack of message.acks) {
        const sent = sentAt.get(ack.id);
        sentAt.delete(ack.id);
        if (sent === undefined) continue;
        if (now >= from && now < until) {
          acked += 1;
          perRts.set(ack.rts, (perRts.get(ack.rts) ?? 0) + 1);
        }
        if (sent >= from && sent < until) latencies.push(now - sent);
      }
      inFlight -= 1;
      if (now < until) push();
      else if (inFlight === 0) drained();
    };
    return () => {
      for (let w = 0; w < window; w++) push();
    };
  });
  const done = new Promise<void>((resolve) => (drained = resolve));
  for (const begin of loops) begin();
  await new Promise((resolve) => setTimeout(resolve, until - monoMs()));
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  const commits = [...perRts.values()];
  return {
    acked,
    seconds: durationMs / 1000,
    latencies,
    failures,
    // Acks that share a relay timestamp (ms): an upper bound of the events per group commit.
    eventsPerRts: commits.length ? commits.reduce((a, b) => a + b, 0) / commits.length : 0,
  };
}

function close() {
  for (const client of clients) client.close();
  clients = [];
}

/** Streams `count` messages into `room` as fast as acks allow; answers the seconds it took. */
async function stream(args: { url: string; room: RoomId; count: number; lastText?: string }) {
  const events = history(args.room, args.count);
  if (args.lastText) events.at(-1)!.payload.text = args.lastText;
  const signed = await signHistory(events);
  const start = monoMs();
  await pushAll(args.url, signed);
  return (monoMs() - start) / 1000;
}

serve({ connect, run, close, stream });
