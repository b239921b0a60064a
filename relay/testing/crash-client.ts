/**
 * A protocol client for the relay's crash test, run as a process of its own:
 *
 *   tsx relay/testing/crash-client.ts --url ws://127.0.0.1:8787/sync --name c1 \
 *     --events 500 --rooms crash-a,crash-b --seed 42
 *
 * It writes `--events` message.sent events to the rooms, a few at a time with short
 * pauses, and pushes each as soon as it is connected. It keeps every event it has not
 * seen acknowledged in an outbox; when the socket drops (the relay was killed) it
 * reconnects, and once welcomed pushes the whole outbox again, in the order it wrote
 * it, as a browser's worker does. It reports what happens as JSON lines (see
 * crash-report.ts) and exits with 0 once every event is written and acknowledged.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import {
  LIMITS,
  PROOF_TEXTS,
  PROTOCOL_VERSION,
  identityFromSecret,
  newEventId,
  parseRelayFrame,
  signEvent,
  signText,
  type AnyEvent,
  type ClientMessage,
  type EventId,
  type RoomId,
} from '../../shared/index.ts';
import type { CrashLine } from './crash-report.ts';
import { seededRandom } from './randomized.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    name: { type: 'string' },
    events: { type: 'string' },
    rooms: { type: 'string' },
    seed: { type: 'string', default: '1' },
    /** Most events written at once. */
    'max-burst': { type: 'string', default: '3' },
    /** Longest pause between two bursts, in ms. */
    'max-pause': { type: 'string', default: '40' },
  },
});
if (!values.url || !values.name || !values.events || !values.rooms) {
  console.error('crash-client: --url, --name, --events and --rooms are required');
  process.exit(2);
}
const url = values.url;
const name = values.name;
const total = Number(values.events);
const rooms = values.rooms.split(',') as RoomId[];
const maxBurst = Number(values['max-burst']);
const maxPause = Number(values['max-pause']);
const random = seededRandom(Number(values.seed));
// A key of its own per name, kept for the whole run like a browser's.
const { author, privateKey } = await identityFromSecret(
  createHash('sha256').update(`crash-${name}`).digest('base64url'),
);

/** Written and not yet acknowledged, in the order written (a Map keeps insertion order). */
const outbox = new Map<EventId, AnyEvent>();
const acknowledged = new Set<string>();
let written = 0;
/**
 * Written and in the outbox. `written` counts a burst before it is signed; an ack that
 * arrives while it is being signed must not find the client done with the burst unsent.
 */
let queued = 0;
let connections = 0;
let socket: WebSocket | undefined;
/** The current socket has been welcomed: pushes may go out. */
let ready = false;
let finished = false;

function report(line: CrashLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function send(ws: WebSocket, message: ClientMessage): void {
  ws.send(JSON.stringify(message));
}

function push(events: readonly AnyEvent[]): void {
  if (!ready || !socket) return;
  for (let i = 0; i < events.length; i += LIMITS.pushBatchMax) {
    send(socket, { type: 'push', events: events.slice(i, i + LIMITS.pushBatchMax) });
  }
}

function connect(): void {
  const ws = new WebSocket(url);
  socket = ws;
  ready = false;
  ws.on('open', () => send(ws, { type: 'hello', protocol: PROTOCOL_VERSION, agent: 'crash' }));
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (socket !== ws) return;
    if (isBinary) {
      report({ t: 'problem', what: 'a binary frame' });
      return;
    }
    receive(data.toString('utf8'));
  });
  // A refused or reset connection: 'close' follows, and the reconnect happens there.
  ws.on('error', () => {});
  ws.on('close', () => {
    if (socket !== ws) return;
    socket = undefined;
    ready = false;
    if (!finished) setTimeout(connect, 20 + random() * 80);
  });
}

function receive(text: string): void {
  const parsed = parseRelayFrame(text);
  if (!parsed.ok) {
    report({ t: 'problem', what: `an invalid frame (${parsed.error.message}): ${text}` });
    return;
  }
  const frame = parsed.value;
  switch (frame.type) {
    case 'welcome':
      connections += 1;
      report({ t: 'welcome', epoch: frame.epoch, connection: frame.connection, time: frame.time });
      authenticate(frame.challenge);
      return;
    case 'ack':
      for (const { id, room, seq, rts } of frame.acks) {
        report({ t: 'ack', id, room, seq, rts });
        if (!outbox.delete(id) && !acknowledged.has(id)) {
          report({ t: 'problem', what: `an ack for ${id}, which this client never wrote` });
        }
        acknowledged.add(id);
      }
      finishIfDone();
      return;
    default:
      // This client subscribes to nothing: events and caught-up are as unexpected as
      // errors and rejections.
      report({ t: 'problem', what: `a ${frame.type} frame: ${text}` });
  }
}

/** Answers the challenge; pushes may go out once the answer is on its way. */
function authenticate(challenge: string): void {
  const ws = socket;
  signText(privateKey, PROOF_TEXTS.auth(challenge))
    .then((proof) => {
      if (socket !== ws || !ws) return;
      send(ws, { type: 'auth', author, proof });
      ready = true;
      push([...outbox.values()]);
    })
    .catch((error: unknown) => report({ t: 'problem', what: `auth: ${String(error)}` }));
}

async function write(): Promise<void> {
  const count = Math.min(total - written, 1 + Math.floor(random() * maxBurst));
  const drafts: AnyEvent[] = [];
  for (let i = 0; i < count; i++) {
    written += 1;
    drafts.push({
      id: newEventId(),
      type: 'message.sent',
      v: 1,
      room: rooms[Math.floor(random() * rooms.length)]!,
      author,
      ts: Date.now(),
      payload: { text: `${name} #${written}` },
    });
  }
  const burst = await Promise.all(drafts.map((draft) => signEvent(draft, privateKey)));
  for (const event of burst) {
    report({ t: 'event', event });
    outbox.set(event.id, event);
    queued += 1;
  }
  push(burst);
  if (written < total)
    setTimeout(
      () =>
        void write().catch((error: unknown) =>
          report({ t: 'problem', what: `write: ${String(error)}` }),
        ),
      random() * maxPause,
    );
  else finishIfDone();
}

function finishIfDone(): void {
  if (finished || queued < total || outbox.size > 0) return;
  finished = true;
  report({ t: 'done', events: written, connections });
  // No process.exit(): it could drop lines still on their way to the test (tsx passes
  // them on). With the socket and stdin closed, the process ends once they are out.
  socket?.terminate();
  process.stdin.destroy();
  setTimeout(() => process.exit(0), 5000).unref();
}

// If the test that runs this dies, its end of the pipe closes: stop too.
process.stdin.on('end', () => process.exit(3));
process.stdin.resume();

connect();
write().catch((error: unknown) => report({ t: 'problem', what: `write: ${String(error)}` }));
