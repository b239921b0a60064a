import { WebSocket } from 'ws';
import {
  LIMITS,
  PROTOCOL_VERSION,
  newEventId,
  type AnyEvent,
  type AuthorId,
  type ClientMessage,
  type MessageSent,
  type RelayMessage,
  type RoomId,
} from '../../shared/index.ts';

/** A chat-sized message (about 60 characters of text), as a person would send one. */
export function chatEvent(
  room: RoomId,
  author: AuthorId,
  text: string,
  ts = Date.now(),
): MessageSent {
  return {
    id: newEventId(ts),
    type: 'message.sent',
    v: 2,
    room,
    author,
    ts,
    payload: { text, mentions: [] },
  };
}

/** `count` chat messages in `room` by 20 authors, the first written `count` seconds ago. */
export function history(
  room: RoomId,
  count: number,
  text = (i: number) => `history #${i}`,
): MessageSent[] {
  const start = Date.now() - count * 1000;
  return Array.from({ length: count }, (_, i) =>
    chatEvent(room, authorId(i % 20), text(i), start + i * 1000),
  );
}

export function authorId(i: number): AuthorId {
  return `bench-author-${String(i).padStart(5, '0')}` as AuthorId;
}

export function roomId(i: number): RoomId {
  return `bench-room-${i}` as RoomId;
}

/** The relay's socket address for its HTTP address. */
export function syncUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws') + '/sync';
}

/**
 * One protocol client over `ws`, as thin as it can be: the same code drives the relay and
 * the bare forwarder, so the difference between them is theirs, not the harness's.
 */
export class WireClient {
  onMessage: (message: RelayMessage, bytes: number) => void = () => {};

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.onMessage(JSON.parse(data.toString('utf8')) as RelayMessage, data.length);
    });
  }

  /** Opens a socket and says hello; resolves on `welcome`. No author: no presence traffic. */
  static async connect(url: string, agent = 'kafky-bench'): Promise<WireClient> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const client = new WireClient(socket);
    await new Promise<void>((resolve, reject) => {
      client.onMessage = (message) => {
        if (message.type === 'welcome') resolve();
        else reject(new Error(`expected welcome, got ${JSON.stringify(message)}`));
      };
      client.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent });
    });
    client.onMessage = () => {};
    return client;
  }

  send(message: ClientMessage): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Subscribes from `after` and resolves on `caught-up`, passing every other frame on. */
  subscribe(room: RoomId, after = 0): Promise<number> {
    const previous = this.onMessage;
    return new Promise((resolve) => {
      this.onMessage = (message, bytes) => {
        if (message.type === 'caught-up' && message.room === room) {
          this.onMessage = previous;
          resolve(message.head);
        } else previous(message, bytes);
      };
      this.send({ type: 'subscribe', room, after });
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** Opens `count` clients, `parallel` handshakes at a time (a burst of thousands would time out). */
export async function connectMany(
  url: string,
  count: number,
  parallel = 100,
): Promise<WireClient[]> {
  const clients: WireClient[] = [];
  for (let i = 0; i < count; i += parallel) {
    const batch = Math.min(parallel, count - i);
    clients.push(
      ...(await Promise.all(Array.from({ length: batch }, () => WireClient.connect(url)))),
    );
  }
  return clients;
}

/**
 * Pushes `events` in frames of 100 (the protocol's most), `window` frames in flight, as a
 * client with a long outbox does; resolves once every event is acknowledged.
 */
export async function pushAll(
  url: string,
  events: readonly AnyEvent[],
  window = 8,
): Promise<number> {
  const client = await WireClient.connect(url);
  const frames: AnyEvent[][] = [];
  for (let i = 0; i < events.length; i += LIMITS.pushBatchMax)
    frames.push(events.slice(i, i + LIMITS.pushBatchMax));
  let next = 0;
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    const sendNext = () => {
      if (next < frames.length) client.send({ type: 'push', events: frames[next++]! });
    };
    client.onMessage = (message) => {
      if (message.type === 'rejected' || message.type === 'error')
        reject(new Error(JSON.stringify(message)));
      if (message.type !== 'ack') return;
      acked += message.acks.length;
      if (acked >= events.length) resolve();
      else sendNext();
    };
    for (let w = 0; w < window; w++) sendNext();
  });
  client.close();
  return acked;
}
