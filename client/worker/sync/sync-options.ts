import type { Ack, ErrorCode, EventId, SequencedEvent } from '../../../shared/index.ts';
import type { ActivityState } from '../activity.ts';
import type { EventBus } from '../bus.ts';
import type { StoredEvent } from '../db.ts';
import type { EventStore } from '../event-store.ts';
import type { DeviceIdentity } from '../identity.ts';
import type { RelayHeads } from '../inspector/relay-heads.ts';
import type { Backoff } from './backoff.ts';
import type { Clock } from './in-flight.ts';

// What a SyncClient is made of and talks to, apart from the class itself.

// Method-derived, so a handler typed for the browser's richer events still fits.
type Handler<E> = { handle(event: E): void }['handle'];

/** The part of the WebSocket API the client uses, so tests can hand it `ws`. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/**
 * What becomes of the relay's answers to a push. The store's own bookkeeping by
 * default; in the app, the process manager (sagas/), which moves the processes the
 * events belong to in the same transaction.
 */
export interface Delivery {
  /** Records acknowledgements; answers the own events they confirmed. */
  acked(acks: Ack['acks']): Promise<StoredEvent[]>;
  /** The relay refused an own event: it is not sent again. */
  refused(id: EventId, code: ErrorCode, message: string): Promise<void>;
}

export interface SyncOptions {
  url: string;
  store: EventStore;
  bus: EventBus;
  createSocket: (url: string) => SocketLike;
  agent?: string;
  /**
   * Who this browser writes as: it answers the relay's challenge with this key, and signs
   * each event with it as it leaves (see `signForPush`). Without one (some tests), it
   * neither authenticates nor signs, and a real relay lets it do nothing.
   */
  identity?: DeviceIdentity;
  /** Where the relay's typing and presence signals go; they are ignored without one. */
  activity?: ActivityState;
  /** Where the relay's head of each room goes, for the inspector. */
  relayHeads?: Pick<RelayHeads, 'caughtUp'>;
  backoff?: Backoff;
  /** How long to wait for `welcome` before giving up on a socket. */
  helloTimeoutMs?: number;
  /** Unacknowledged events allowed on the wire per room. */
  windowPerRoom?: number;
  /** Where acknowledgements and refusals go; the store by default. */
  delivery?: Delivery;
  /**
   * How long a pushed event may wait for its acknowledgement on a live socket before it
   * is pushed again (the relay takes an event id once, so a resend is harmless).
   */
  ackTimeoutMs?: number;
  clock?: Clock;
  log?: Pick<Console, 'warn' | 'error'>;
  /**
   * Told of the events of a live frame (a room caught up on this socket) whose
   * signatures hold, before they are stored: to show them at once (see EarlyIncoming).
   */
  early?: (events: readonly SequencedEvent[]) => void;
}
