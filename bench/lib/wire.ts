import { WebSocket } from 'ws';
import {
  LIMITS,
  PROOF_TEXTS,
  PROTOCOL_VERSION,
  generateIdentity,
  newEventId,
  signEvent,
  signText,
  type PlatformKey,
  type AnyEvent,
  type AuthorId,
  type ClientMessage,
  type MessageSent,
  type RelayMessage,
  type RoomId,
} from '../../shared/index.ts';

/** Who a load generator's socket speaks for: its author id and its signing key. */
export interface BenchIdentity {
  author: AuthorId;
  privateKey: PlatformKey;
}

export async function benchIdentity(): Promise<BenchIdentity> {
  const { keys, author } = await generateIdentity();
  return { author, privateKey: keys.privateKey };
}

/** The one author of every `history`: its events are signed for real by `pushAll`. */
const HISTORIAN = await benchIdentity();

/**
 * A well-formed signature of nothing. The relay checks that a pushed event carries a
 * signature and is its connection's author's, not the signature itself (docs/security.md),
 * so load that only the relay and bare sockets read carries this rather than spend the
 * load generators' CPU on Ed25519. What a browser or a client core reads is signed.
 */
export const UNCHECKED_SIG = 'A'.repeat(86);

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
    sig: UNCHECKED_SIG,
  };
}

/**
 * `count` chat messages in `room`, the first written `count` seconds ago, by one author:
 * a socket pushes only its own author's events, and one socket keeps them in order.
 */
export function history(
  room: RoomId,
  count: number,
  text = (i: number) => `history #${i}`,
): MessageSent[] {
  const start = Date.now() - count * 1000;
  return Array.from({ length: count }, (_, i) =>
    chatEvent(room, HISTORIAN.author, text(i), start + i * 1000),
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

  author = '' as AuthorId;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.onMessage(JSON.parse(data.toString('utf8')) as RelayMessage, data.length);
    });
  }

  /**
   * Opens a socket, says hello and answers the challenge as `identity` (the bare
   * forwarder sends none); resolves on `welcome`. Sockets that share an identity count
   * once in presence, so many of them cause no presence traffic.
   */
  static async connect(
    url: string,
    agent = 'kafky-bench',
    identity?: BenchIdentity,
  ): Promise<WireClient> {
    const as = identity ?? (await benchIdentity());
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const client = new WireClient(socket);
    const challenge = await new Promise<string | undefined>((resolve, reject) => {
      client.onMessage = (message) => {
        if (message.type === 'welcome') resolve((message as { challenge?: string }).challenge);
        else reject(new Error(`expected welcome, got ${JSON.stringify(message)}`));
      };
      client.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent });
    });
    client.onMessage = () => {};
    if (challenge !== undefined) {
      const proof = await signText(as.privateKey, PROOF_TEXTS.auth(challenge));
      client.send({ type: 'auth', author: as.author, proof });
    }
    client.author = as.author;
    return client;
  }

  send(message: ClientMessage): void {
    this.socket.send(JSON.stringify(message));
  }

  /**
   * Subscribes from `after` and resolves on `caught-up`, passing every other frame on.
   * Rejects on an error frame about the room, or after `timeoutMs`: a refused subscribe
   * must fail the bench, not hang it (and `npm test` with it).
   */
  subscribe(room: RoomId, after = 0, timeoutMs = 60_000): Promise<number> {
    const previous = this.onMessage;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.onMessage = previous;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no caught-up for room ${room} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.onMessage = (message, bytes) => {
        if (message.type === 'caught-up' && message.room === room) {
          done();
          resolve(message.head);
        } else if (message.type === 'error' && (message.room === room || message.fatal)) {
          done();
          reject(new Error(`subscribing to ${room}: ${message.code}: ${message.message}`));
        } else previous(message, bytes);
      };
      this.send({ type: 'subscribe', room, after });
    });
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Opens `count` clients, `parallel` handshakes at a time (a burst of thousands would time
 * out), all as one author: one reader on many sockets, so no presence storm.
 */
export async function connectMany(
  url: string,
  count: number,
  parallel = 100,
): Promise<WireClient[]> {
  const identity = await benchIdentity();
  const clients: WireClient[] = [];
  for (let i = 0; i < count; i += parallel) {
    const batch = Math.min(parallel, count - i);
    clients.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () => WireClient.connect(url, undefined, identity)),
      )),
    );
  }
  return clients;
}

/**
 * Signs a `history` for real, as its author would: browsers and client cores read it, and
 * refuse what is not signed. Done before anything is timed; it costs about 0.1 to 0.3 ms
 * an event here.
 */
export async function signHistory(events: readonly MessageSent[]): Promise<MessageSent[]> {
  const signed: MessageSent[] = [];
  for (let i = 0; i < events.length; i += 1000) {
    const chunk = events.slice(i, i + 1000);
    signed.push(...(await Promise.all(chunk.map((e) => signEvent(e, HISTORIAN.privateKey)))));
  }
  return signed;
}

/**
 * Pushes `events` in frames of 100 (the protocol's most), `window` frames in flight, as a
 * client with a long outbox does; resolves once every event is acknowledged.
 */
/** (`events`: a signed `history`, pushed as its author.) */
export async function pushAll(
  url: string,
  events: readonly AnyEvent[],
  window = 8,
): Promise<number> {
  const client = await WireClient.connect(url, undefined, HISTORIAN);
  const signed = events;
  const frames: AnyEvent[][] = [];
  for (let i = 0; i < signed.length; i += LIMITS.pushBatchMax)
    frames.push(signed.slice(i, i + LIMITS.pushBatchMax));
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
