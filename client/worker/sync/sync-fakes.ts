import {
  PROTOCOL_VERSION,
  type ClientMessage,
  type RelayMessage,
  type Welcome,
} from '../../../shared/index.ts';
import type { BusEvent } from '../../api.ts';
import { EventBus } from '../bus.ts';
import { freshStore } from '../test-helpers.ts';
import { Backoff } from './backoff.ts';
import { SyncClient, type Clock, type SocketLike, type SyncOptions } from './sync-client.ts';

// What the sync client's tests share: a socket the test plays, and a client on a fresh store.

/** A socket whose far end the test plays, frame by frame. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: ClientMessage[] = [];
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close(code = 1000, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: RelayMessage): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  ofType<T extends ClientMessage['type']>(type: T) {
    return this.sent.filter((m): m is Extract<ClientMessage, { type: T }> => m.type === type);
  }
}

/** A clock the test moves by hand: timers fire only when `advance` passes them. */
export class FakeClock implements Clock {
  time = 0;
  private timers: { at: number; callback: () => void }[] = [];
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { at: this.time + ms, callback };
    this.timers.push(timer);
    return timer;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const timer of due) timer.callback();
  }
}

export const WELCOME: Welcome = {
  type: 'welcome',
  protocol: PROTOCOL_VERSION,
  epoch: 'epoch-1',
  connection: 'c1' as never,
  time: 1,
  challenge: 'challenge-0123456789',
};

export async function setup(overrides: Partial<SyncOptions> = {}) {
  const { db, store } = await freshStore();
  const bus = new EventBus();
  const sockets: FakeSocket[] = [];
  const warnings: unknown[] = [];
  const sync = new SyncClient({
    url: 'ws://relay.test/sync',
    store,
    bus,
    createSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    backoff: new Backoff(10, 10, () => 1),
    log: {
      warn: (...args: unknown[]) => warnings.push(args),
      error: (...args: unknown[]) => warnings.push(args),
    },
    ...overrides,
  });
  const kafked: BusEvent[] = [];
  bus.subscribe('kafked', (e) => void kafked.push(e));
  return { db, store, bus, sync, sockets, kafked, warnings };
}
