import type { ClientMessage, EventId, RoomId } from '../../../shared/index.ts';
import type { StoredEvent } from '../db.ts';
import type { EventStore } from '../event-store.ts';
import type { DeviceIdentity } from '../identity.ts';
import type { PushLine } from './hand-over.ts';
import type { Clock, InFlight } from './in-flight.ts';
import { batches, signForPush } from './push-frames.ts';
import type { Delivery, SocketLike } from './sync-options.ts';

/** What pushing the outbox needs of the sync client's socket. */
export interface PushSocket {
  /** The socket, once the relay has welcomed it; null before, and with none. */
  welcomed(): SocketLike | null;
  /** Whether a room was proved on this socket, so the relay takes its events. */
  proven(room: RoomId): boolean;
  /** Writes a frame to the open socket; false (nothing written) when there is none. */
  send(message: ClientMessage): boolean;
}

export interface OutboxPushOptions {
  socket: PushSocket;
  store: Pick<EventStore, 'outboxRooms' | 'outbox' | 'claimForPush' | 'recordSignatures'>;
  identity: DeviceIdentity | undefined;
  delivery: Pick<Delivery, 'refused'>;
  inFlight: InFlight;
  /** Unacknowledged events allowed on the wire per room. */
  windowPerRoom: number;
  /** Whether an event is held back for now (a keyed room the relay does not have yet). */
  held: (id: EventId) => boolean;
  /** Whether an own event was handed to the socket in its append and waits for the commit. */
  handing: (id: EventId) => boolean;
  clock: Clock;
  log: Pick<Console, 'error'>;
}

/**
 * The push path of the outbox: every own event not already on its way, room by room, in
 * local order, each room within its window of unacknowledged events. Events handed over
 * in their append (see HandOvers) never come through here unless something held them.
 */
export class OutboxPush {
  private flushing = false;
  private flushAgain = false;
  /**
   * Whether the last push left events behind a full window: only then does an
   * acknowledgement (which frees the window) call for another push. Otherwise each ack
   * would read the outbox for nothing, a read every write after it queues behind.
   */
  private windowFull = false;
  /** After `rate_limited`, nothing is pushed before this time (the clock's ms). */
  private heldUntil = 0;
  private holdTimer: unknown;

  constructor(private readonly options: OutboxPushOptions) {}

  /** The socket pushes may go to now: welcomed, and not held by a rate limit; null if none. */
  open(): SocketLike | null {
    const socket = this.options.socket.welcomed();
    return socket && this.options.clock.now() >= this.heldUntil ? socket : null;
  }

  /** The relay asked to wait: nothing is pushed for `ms`, then the outbox is pushed again. */
  holdFor(ms: number): void {
    const { clock } = this.options;
    this.heldUntil = clock.now() + ms;
    if (this.holdTimer !== undefined) clock.clearTimeout(this.holdTimer);
    this.holdTimer = clock.setTimeout(() => this.flushSoon(), ms);
  }

  stop(): void {
    if (this.holdTimer !== undefined) this.options.clock.clearTimeout(this.holdTimer);
  }

  /** The socket as handing events over in their append sees it (see HandOvers). */
  handOverLine(): PushLine {
    const { socket, inFlight, windowPerRoom } = this.options;
    return {
      openSocket: () => this.open(),
      roomOpen: (room, count) =>
        socket.proven(room) && inFlight.inRoom(room) + count <= windowPerRoom,
      inFlight: (id) => inFlight.has(id),
      push: (to, events) => {
        if (this.open() !== to || !socket.send({ type: 'push', events })) return false;
        inFlight.add(events);
        return true;
      },
      flush: () => this.flushSoon(),
    };
  }

  /** Pushes every outbox event not already on its way, in local order. */
  async flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    try {
      do {
        this.flushAgain = false;
        await this.pushOutbox();
      } while (this.flushAgain);
    } finally {
      this.flushing = false;
    }
  }

  /** A flush from a timer or callback, which has no one to answer to: a failure is logged. */
  flushSoon(): void {
    this.flush().catch((error: unknown) => this.options.log.error('kafky: could not push', error));
  }

  /** An acknowledgement freed room in its window: pushes what waited behind it, if anything. */
  async acknowledged(): Promise<void> {
    if (this.windowFull) await this.flush();
  }

  /** Whether an own event is on the wire, or on its way there without a flush. */
  onTheWire(id: EventId): boolean {
    return this.options.inFlight.has(id) || this.options.handing(id);
  }

  /**
   * Each room's outbox is its own ordered queue with its own window of unacknowledged
   * events, and rooms take turns batch by batch: a room with a long backlog never holds
   * back a message written in another room.
   */
  private async pushOutbox(): Promise<void> {
    const { socket, store, inFlight, windowPerRoom } = this.options;
    if (!this.open()) return;
    const queues: StoredEvent[][][] = [];
    let windowFull = false;
    for (const room of await store.outboxRooms()) {
      // Not yet proved on this socket: it is pushed once its subscribe has gone out.
      if (!socket.proven(room)) continue;
      const onTheWire = inFlight.inRoom(room);
      const roomWindow = windowPerRoom - onTheWire;
      if (roomWindow <= 0) {
        windowFull = true;
        continue;
      }
      // One more than fits, to know whether any waits behind the window.
      const waiting = (await store.outbox(room, windowPerRoom + onTheWire + 1)).filter(
        (e) => !this.onTheWire(e.id) && !this.options.held(e.id),
      );
      if (waiting.length > roomWindow) windowFull = true;
      queues.push([...batches(waiting.slice(0, roomWindow))]);
    }
    this.windowFull = windowFull;
    for (let turn = 0; queues.some((q) => turn < q.length); turn++) {
      for (const queue of queues) {
        const batch = queue[turn];
        if (!batch || !this.open()) continue;
        // As they are now: a draft edited or deleted since it was read goes out so, or not at all.
        const claimed = await store.claimForPush(batch.map((e) => e.id));
        if (!this.open() || claimed.length === 0) continue;
        const signed = await signForPush(claimed, this.options.identity, this.options.delivery);
        if (signed.length === 0 || !this.open()) continue;
        // In flight only if written: an event marked so is not pushed again on this socket.
        if (!socket.send({ type: 'push', events: signed.map((e) => e.wire) })) return;
        inFlight.add(signed.map((e) => e.event));
        // Kept after the send, not before: a write here would queue behind every read the
        // append set off, and a signature lost with a crash is made again, the same one.
        const fresh = signed.filter(({ event, wire }) => wire.sig && event.sig !== wire.sig);
        if (fresh.length) {
          await store.recordSignatures(fresh.map((e) => ({ pos: e.event.pos, sig: e.wire.sig! })));
        }
      }
    }
  }
}
