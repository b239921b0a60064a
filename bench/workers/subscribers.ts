/**
 * Fan-out and idle-connection load: a share of a room's subscribers, each on its own
 * socket, recording when each event arrives; or the one publisher, sending messages that
 * carry their send time. Both read `process.hrtime`, the machine's monotonic clock, which
 * is the same in every process, so publish→receipt can be measured across processes.
 */
import type { RelayMessage, RoomId } from '../../shared/index.ts';
import { serve, sleep } from '../lib/procs.ts';
import { monoMs } from '../lib/stats.ts';
import { WireClient, benchIdentity, chatEvent, connectMany } from '../lib/wire.ts';

let subscribers: WireClient[] = [];
let latencies: number[] = [];
const STAMP = /^fan-out t=([\d.]+)/;

/** Opens `count` sockets; with a room, each subscribes to it and waits to be caught up. */
async function connect(args: { url: string; count: number; room?: RoomId }) {
  const opened = await connectMany(args.url, args.count);
  if (args.room) {
    const room = args.room;
    for (let i = 0; i < opened.length; i += 100) {
      await Promise.all(opened.slice(i, i + 100).map((client) => client.subscribe(room)));
    }
  }
  for (const client of opened) {
    client.onMessage = (message: RelayMessage) => {
      if (message.type !== 'events') return;
      const now = monoMs();
      for (const event of message.events) {
        const sent = STAMP.exec((event.payload as { text?: string }).text ?? '')?.[1];
        if (sent !== undefined) latencies.push(now - Number(sent));
      }
    };
  }
  subscribers.push(...opened);
  return subscribers.length;
}

/** Hands over the latencies recorded since the last call. */
function collect() {
  const taken = latencies;
  latencies = [];
  return taken;
}

/** One publisher: `messages` messages, one every `intervalMs`, each stamped with its send time. */
async function publish(args: { url: string; room: RoomId; messages: number; intervalMs: number }) {
  const publisher = await WireClient.connect(args.url);
  let acked = 0;
  const sentAt = new Map<string, number>();
  // Push → ack: the relay's commit, without the forward, to tell the two apart in a tail.
  const ackLatencies: number[] = [];
  publisher.onMessage = (message) => {
    if (message.type !== 'ack') return;
    const now = monoMs();
    acked += message.acks.length;
    for (const { id } of message.acks) ackLatencies.push(now - (sentAt.get(id) ?? now));
  };
  const author = publisher.author;
  for (let i = 0; i < args.messages; i++) {
    const sent = monoMs();
    const event = chatEvent(args.room, author, `fan-out t=${sent.toFixed(3)} #${i}`);
    sentAt.set(event.id, sent);
    publisher.send({ type: 'push', events: [event] });
    await sleep(args.intervalMs);
  }
  const deadline = Date.now() + 30_000;
  while (acked < args.messages && Date.now() < deadline) await sleep(20);
  publisher.close();
  return { acked, ackLatencies };
}

/** When each `bench-<kind>-<n>` message went past a bare subscriber, on the pages' clock. */
const passed: Record<string, number> = {};
/** Events of each type that went past it. */
const types: Record<string, number> = {};
const MARKER = /bench-[a-z]+-\d+/;

/** Watches a room from one more socket, as an observer of when the relay forwards. */
async function watch(args: { url: string; room: RoomId }) {
  const observer = await WireClient.connect(args.url);
  await observer.subscribe(args.room);
  observer.onMessage = (message) => {
    if (message.type !== 'events') return;
    const now = performance.timeOrigin + performance.now();
    for (const event of message.events) {
      types[event.type] = (types[event.type] ?? 0) + 1;
      const key = MARKER.exec((event.payload as { text?: string }).text ?? '')?.[0];
      if (key && passed[key] === undefined) passed[key] = now;
    }
  };
  subscribers.push(observer);
}

function arrivals() {
  return passed;
}

/** Hands over the count of events per type seen since the last call. */
function eventTypes() {
  const taken = { ...types };
  for (const key of Object.keys(types)) delete types[key];
  return taken;
}

/**
 * A room filling: `count` people join `room`, 100 at a time, each their own author (or,
 * with `oneAuthor`, all as one, so no one's joining changes who is online); then `settleMs`
 * for what follows. Answers the frames and bytes they received, and of those presence.
 */
async function join(args: {
  url: string;
  count: number;
  room: RoomId;
  oneAuthor: boolean;
  settleMs: number;
}) {
  const shared = args.oneAuthor ? await benchIdentity() : undefined;
  const got = { frames: 0, bytes: 0, presenceFrames: 0, presenceBytes: 0 };
  for (let i = 0; i < args.count; i += 100) {
    const batch = Math.min(100, args.count - i);
    await Promise.all(
      Array.from({ length: batch }, async () => {
        const client = await WireClient.connect(
          args.url,
          undefined,
          shared ?? (await benchIdentity()),
        );
        // Kept at once, so that `close` closes it even if a later join fails.
        subscribers.push(client);
        client.onMessage = (message, bytes) => {
          got.frames += 1;
          got.bytes += bytes;
          if (message.type !== 'presence' && message.type !== 'presence-change') return;
          got.presenceFrames += 1;
          got.presenceBytes += bytes;
        };
        await client.subscribe(args.room);
      }),
    );
  }
  await sleep(args.settleMs);
  return got;
}

function close() {
  for (const client of subscribers) client.close();
  subscribers = [];
  latencies = [];
}

serve({ connect, collect, publish, watch, arrivals, eventTypes, join, close });
