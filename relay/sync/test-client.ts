import { WebSocket } from 'ws';
import type { ClientMessage, Hello, RelayMessage } from '../../shared/index.ts';

/** A raw protocol client for tests: records every frame and waits for the ones it needs. */
export class TestClient {
  readonly frames: RelayMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  private readonly socket: WebSocket;
  private waiters: (() => void)[] = [];

  private constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString()) as RelayMessage);
      this.wake();
    });
    this.socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** Opens a socket and, unless `hello` is false, says hello (with its fields, if given). */
  static async open(url: string, hello: boolean | Partial<Hello> = true): Promise<TestClient> {
    const client = new TestClient(url);
    await new Promise((resolve, reject) => {
      client.socket.once('open', resolve);
      client.socket.once('error', reject);
    });
    if (hello) {
      client.send({ type: 'hello', protocol: 1, ...(hello === true ? {} : hello) });
      await client.next('welcome');
    }
    return client;
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

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
