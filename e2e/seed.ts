import { createHash } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  PROOF_TEXTS,
  PROTOCOL_VERSION,
  identityFromSecret,
  newEventId,
  signEvent,
  signText,
  type AnyEvent,
  type AuthorId,
  type EventId,
  type KnownEvent,
  type RelayMessage,
  type RoomId,
} from '../shared/index.ts';
import type { RelayProcess } from './relay-process.ts';

/** The seeding bot: a key of its own, from a fixed secret, as a bot keeps one. */
const SEED = await identityFromSecret(
  createHash('sha256').update('kafky e2e seed bot').digest('base64url'),
);
export const SEED_AUTHOR: AuthorId = SEED.author;

/**
 * Writes events into a room through the relay's own protocol, as a fast client would,
 * and resolves once every one is acknowledged: a long history without a browser typing it.
 */
export async function seedRoom(
  relay: RelayProcess,
  room: RoomId,
  events: readonly AnyEvent[],
): Promise<void> {
  // Signed before the socket opens: the relay does not wait long for a silent one.
  const signed = await Promise.all(events.map((event) => signEvent(event, SEED.privateKey)));
  const socket = new WebSocket(relay.url.replace(/^http/, 'ws') + '/sync');
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let acked = 0;
  let welcomed: (challenge: string) => void = () => undefined;
  const challenge = new Promise<string>((resolve) => (welcomed = resolve));
  const done = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as RelayMessage;
      if (message.type === 'welcome') welcomed(message.challenge);
      if (message.type === 'ack') acked += message.acks.length;
      if (message.type === 'error' || message.type === 'rejected') {
        reject(new Error(`seeding failed: ${JSON.stringify(message)}`));
      }
      if (acked >= events.length) resolve();
    });
    socket.once('close', () => reject(new Error('the relay closed the seeding socket')));
  });
  socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, agent: 'e2e-seed' }));
  const proof = await signText(SEED.privateKey, PROOF_TEXTS.auth(await challenge));
  socket.send(JSON.stringify({ type: 'auth', author: SEED_AUTHOR, proof }));
  for (let i = 0; i < signed.length; i += 100) {
    socket.send(JSON.stringify({ type: 'push', events: signed.slice(i, i + 100) }));
  }
  try {
    await done;
  } finally {
    socket.removeAllListeners('close');
    socket.close();
  }
}

/**
 * `count` messages by the seed author, "history #0" first: `message.sent` v1, as clients
 * before v2 wrote them, so the browsers read an old history through the upcaster.
 */
export function history(room: RoomId, count: number, start = Date.now() - count * 1000) {
  return Array.from({ length: count }, (_, i): KnownEvent => ({
    id: newEventId(start + i * 1000),
    type: 'message.sent',
    v: 1,
    room,
    author: SEED_AUTHOR,
    ts: start + i * 1000,
    payload: { text: `history #${i}` },
  }));
}

/** A message answering `target`. */
export function replyTo(room: RoomId, target: EventId, text: string): KnownEvent {
  return {
    id: newEventId(),
    type: 'message.sent',
    v: 1,
    room,
    author: SEED_AUTHOR,
    ts: Date.now(),
    payload: { text, replyTo: target },
  };
}
