import { createHash } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  PROOF_TEXTS,
  PROTOCOL_VERSION,
  generateIdentity,
  identityFromSecret,
  joinProof,
  roomKey,
  signEvent,
  signText,
  type AnyEvent,
  type AuthorId,
  type ClientMessage,
  type Hello,
  type PlatformKey,
  type RelayMessage,
  type RoomId,
} from '../../shared/index.ts';

/** Who a test client is: its author id (its public key) and the key it signs with. */
export interface TestIdentity {
  author: AuthorId;
  privateKey: PlatformKey;
}

/** The same identity for the same name in every run, so tests can name authors up front. */
export async function testIdentity(name: string): Promise<TestIdentity> {
  return identityFromSecret(createHash('sha256').update(name).digest('base64url'));
}

/** The `auth` frame that answers `challenge` as `identity`. */
export async function authFrame(identity: TestIdentity, challenge: string): Promise<string> {
  const proof = await signText(identity.privateKey, PROOF_TEXTS.auth(challenge));
  return JSON.stringify({ type: 'auth', author: identity.author, proof });
}

async function freshIdentity(): Promise<TestIdentity> {
  const { keys, author } = await generateIdentity();
  return { author, privateKey: keys.privateKey };
}

/**
 * A raw protocol client for tests: records every frame and waits for the ones it needs.
 * Unless told otherwise it says hello, answers the challenge as its identity, signs
 * what it pushes, and proves the secret of the keyed rooms it subscribes to.
 */
export class TestClient {
  readonly frames: RelayMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  /** Set once authenticated. */
  identity: TestIdentity | null = null;
  private readonly socket: WebSocket;
  private waiters: (() => void)[] = [];
  /** Frames that need signing first go out in the order they were asked for. */
  private outgoing: Promise<void> = Promise.resolve();

  private constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      // A browser would get a binary frame as a Blob, not the protocol's text: not a frame.
      if (isBinary) return;
      this.frames.push(JSON.parse(data.toString()) as RelayMessage);
      this.wake();
    });
    this.socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /**
   * Opens a socket and, unless `hello` is false, says hello (with its fields, if given)
   * and then authenticates as `identity` (a fresh one if not given; none with null).
   */
  static async open(
    url: string,
    hello: boolean | Partial<Hello> = true,
    identity?: TestIdentity | null,
  ): Promise<TestClient> {
    const client = new TestClient(url);
    await new Promise((resolve, reject) => {
      client.socket.once('open', resolve);
      client.socket.once('error', reject);
    });
    if (hello) {
      client.send({ type: 'hello', protocol: PROTOCOL_VERSION, ...(hello === true ? {} : hello) });
      await client.next('welcome');
      if (identity !== null) await client.authenticate(identity ?? (await freshIdentity()));
    }
    return client;
  }

  get author(): AuthorId {
    if (!this.identity) throw new Error('this test client has not authenticated');
    return this.identity.author;
  }

  get challenge(): string {
    const welcome = this.of('welcome')[0];
    if (!welcome) throw new Error('no welcome yet');
    return welcome.challenge;
  }

  /** Answers the welcome's challenge with `identity`'s key. */
  async authenticate(identity: TestIdentity): Promise<void> {
    this.sendRaw(await authFrame(identity, this.challenge));
    this.identity = identity;
  }

  /** Pushes events as this client's author, signed; resolves to them as sent. */
  push(events: readonly AnyEvent[]): Promise<AnyEvent[]> {
    const signing = Promise.all(
      events.map((event) =>
        signEvent({ ...event, author: this.author }, this.identity!.privateKey),
      ),
    );
    return this.queue(signing, (signed) => ({ type: 'push', events: signed }));
  }

  /** Subscribes to a room, proving its secret if given one (a keyed room). */
  subscribe(room: RoomId, after = 0, secret?: string): Promise<unknown> {
    const proving = secret
      ? Promise.all([roomKey(secret), joinProof(secret, this.challenge, room)])
      : Promise.resolve(null);
    return this.queue(proving, (proof) => ({
      type: 'subscribe',
      room,
      after,
      ...(proof ? { key: proof[0].publicKey, proof: proof[1] } : {}),
    }));
  }

  send(message: ClientMessage | Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  of<T extends RelayMessage['type']>(type: T): Extract<RelayMessage, { type: T }>[] {
    return this.frames.filter((f): f is Extract<RelayMessage, { type: T }> => f.type === type);
  }

  /** The n-th frame of a type (1-based), waiting for it to arrive. */
  async next<T extends RelayMessage['type']>(
    type: T,
    nth = 1,
  ): Promise<Extract<RelayMessage, { type: T }>> {
    await this.until(() => this.of(type).length >= nth, `frame ${type} #${nth}`);
    return this.of(type)[nth - 1]!;
  }

  async until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.frames.map((f) => f.type))}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Every event received for a room, in arrival order. */
  events(room: string) {
    return this.of('events')
      .filter((f) => f.room === room)
      .flatMap((f) => f.events);
  }

  close(): void {
    this.socket.close();
  }

  private queue<T>(
    preparing: Promise<T>,
    frame: (prepared: T) => Record<string, unknown>,
  ): Promise<T> {
    const sent = this.outgoing.then(async () => {
      const prepared = await preparing;
      this.send(frame(prepared));
      return prepared;
    });
    this.outgoing = sent.then(
      () => undefined,
      () => undefined,
    );
    return sent;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
