import {
  PROTOCOL_VERSION,
  type ClientMessage,
  type EventId,
  type KafkyEvent,
  type RelayMessage,
  type RoomId,
} from '../../../shared/index.ts';
import type { ConnectionStatus } from '../../api.ts';
import type { HandOver } from '../event-store.ts';
import { Backoff } from './backoff.ts';
import { HandOvers } from './hand-over.ts';
import { OutboxPush } from './outbox-push.ts';
import { applySignal, readFrame, type SignalTargets } from './relay-signals.ts';
import { RoomChanges } from './room-changes.ts';
import { RoomNotThere, subscribeFrame, welcomeReply } from './room-proofs.ts';
import { checkSignatures } from './signatures.ts';
import { ArrivingFrames, type Checked } from './early-incoming.ts';
import { InFlight, SYSTEM_CLOCK, type Clock } from './in-flight.ts';
import type { Delivery, SocketLike, SyncOptions } from './sync-options.ts';

export type { Clock } from './in-flight.ts';

export type { Delivery, SocketLike, SyncOptions } from './sync-options.ts';

const OPEN = 1;

/**
 * The browser's one connection to the relay: handshake, catch-up, pushing the outbox,
 * applying acks and live events, and reconnecting with backoff when the link drops.
 * Frames are handled one at a time, in arrival order, so the store sees them in order.
 */
export class SyncClient {
  private socket: SocketLike | null = null;
  private welcomed = false;
  private stopped = true;
  /** What the browser last said about its network; no socket is tried while it is down. */
  private networkUp = true;
  private statusValue: ConnectionStatus = 'offline';
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>();
  /** Pushed on this socket and not answered yet: not sent again until it drops or is overdue. */
  private readonly inFlight: InFlight;
  /** Rooms subscribed on this socket: the only ones the relay takes typing signals for. */
  private readonly subscribed = new Set<RoomId>();
  /** Rooms joined or left while no welcome was answered. */
  private readonly beforeWelcome = new RoomChanges();
  /** Frames as they arrive: checked at once, live events shown early. */
  private readonly arriving: ArrivingFrames;
  /**
   * Rooms this socket has proved (subscribed, even if since left): the only ones it
   * pushes to, as the relay takes no event for a keyed room before its proof.
   */
  private readonly proven = new Set<RoomId>();
  /** The relay's challenge on this socket, signed in `auth` and in each room's proof. */
  private challenge = '';
  /** Events of keyed rooms the relay does not have yet, held back a moment. */
  private readonly roomNotThere = new RoomNotThere(() => this.flushSoon());
  /** Own events pushed the moment their append commits. */
  private readonly handOvers: HandOvers;
  /** Every other own event, pushed from the outbox. */
  private readonly outbox: OutboxPush;
  private frames: Promise<void> = Promise.resolve();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Real time, or a test's: the acknowledgement timeout and the rate limit's hold. */
  private readonly clock: Clock;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff: Backoff;
  private readonly windowPerRoom: number;
  private readonly log: Pick<Console, 'warn' | 'error'>;
  private readonly delivery: Delivery;
  /** Where the relay's signals (typing, presence, errors) go. */
  private readonly signals: SignalTargets;

  constructor(private readonly options: SyncOptions) {
    this.backoff = options.backoff ?? new Backoff();
    this.windowPerRoom = options.windowPerRoom ?? 500;
    this.log = options.log ?? console;
    this.signals = {
      activity: options.activity,
      relayHeads: options.relayHeads,
      log: this.log,
      rateLimited: (ms) => {
        // Nothing of what is on the wire was stored past the limit: all of it goes
        // again, in order, once the relay said it may (the acknowledged once only).
        this.inFlight.clear();
        this.outbox.holdFor(ms);
      },
    };
    this.delivery = options.delivery ?? {
      acked: (acks) => options.store.applyAcks(acks),
      refused: async (id, code, message) =>
        void (await options.store.markRejected(id, code, message)),
    };
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.inFlight = new InFlight(this.clock, options.ackTimeoutMs ?? 10_000, (ids) =>
      this.resendOverdue(ids),
    );
    this.arriving = new ArrivingFrames(options.early, this.log);
    this.outbox = new OutboxPush({
      socket: {
        welcomed: () => (this.welcomed ? this.socket : null),
        proven: (room) => this.proven.has(room),
        send: (message) => this.send(message),
      },
      store: options.store,
      identity: options.identity,
      delivery: this.delivery,
      inFlight: this.inFlight,
      windowPerRoom: this.windowPerRoom,
      held: (id) => this.roomNotThere.has(id),
      handing: (id) => this.handOvers.has(id),
      clock: this.clock,
      log: this.log,
    });
    this.handOvers = new HandOvers(this.outbox.handOverLine(), options.store, options.identity);
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.outbox.stop();
    this.socket?.close(1000, 'client stopped');
    this.dropSocket();
  }

  /** Starts following a room just joined: catch-up, then live events. */
  follow(room: RoomId): void {
    if (!this.welcomed) {
      this.beforeWelcome.note(room, 'follow');
      return;
    }
    this.frames = this.frames
      .then(async () => {
        const state = (await this.options.store.rooms()).find((r) => r.room === room);
        this.send(await subscribeFrame(this.challenge, state ?? { room, cursor: 0 }));
        // Its events waited for the subscribe: the relay takes none before it.
        await this.flush();
      })
      .catch((error: unknown) => this.log.error('kafky: could not follow a room', error));
  }

  /** Stops following a room just left; the next welcome does not subscribe it either. */
  unfollow(room: RoomId): void {
    if (!this.welcomed) {
      this.beforeWelcome.note(room, 'unfollow');
      return;
    }
    this.frames = this.frames
      .then(() => {
        this.subscribed.delete(room);
        this.send({ type: 'unsubscribe', room });
      })
      .catch((error: unknown) => this.log.error('kafky: could not unfollow a room', error));
  }

  /**
   * Tells a room this browser is typing, or stopped. Ephemeral: when not connected, or
   * not subscribed to the room yet, it is dropped, not queued.
   */
  sendTyping(room: RoomId, active: boolean): void {
    if (!this.welcomed || !this.subscribed.has(room)) return;
    this.send({ type: 'typing', room, active });
  }

  /**
   * The browser's `online`/`offline` signal. Offline drops the socket at once rather
   * than waiting for a dead link to time out, and stops retries until the network is
   * back; online tries at once instead of waiting out the backoff.
   */
  setNetwork(up: boolean): void {
    if (up === this.networkUp) return;
    this.networkUp = up;
    if (up) {
      this.reconnectNow();
      return;
    }
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.dropSocket();
    socket?.close(1000, 'network offline');
  }

  /** Try at once instead of waiting for the backoff, e.g. when the network comes back. */
  reconnectNow(): void {
    if (this.stopped || this.socket || !this.networkUp) return;
    clearTimeout(this.retryTimer);
    this.backoff.reset();
    this.connect();
  }

  /** Pushes every outbox event not already on its way, in local order. */
  flush(): Promise<void> {
    return this.outbox.flush();
  }

  /**
   * Inside an append's transaction (Dexie calls only): claims its events for the socket,
   * to go out the moment the transaction commits, when nothing else holds them back (see
   * HandOvers); otherwise null, and the eager emit's flush pushes them.
   */
  handOver(events: readonly KafkyEvent[]): Promise<HandOver | null> {
    return this.handOvers.claim(events);
  }

  /** Whether an own event is on the wire, or on its way there without a flush. */
  onTheWire(id: EventId): boolean {
    return this.outbox.onTheWire(id);
  }

  /** A flush from a timer or callback, which has no one to answer to: a failure is logged. */
  private flushSoon(): void {
    this.outbox.flushSoon();
  }

  /**
   * No acknowledgement in time on a live socket (a lost frame, a relay stuck on a
   * commit): the events go out again, as they are, and the relay answers for each id once.
   */
  private resendOverdue(ids: readonly EventId[]): void {
    this.log.warn(`kafky: no acknowledgement for ${ids.length} events in time; pushing them again`);
    this.flushSoon();
  }

  private connect(): void {
    if (!this.networkUp) {
      this.setStatus('offline');
      return;
    }
    this.setStatus('connecting');
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url);
    } catch (error) {
      this.log.warn('kafky: could not open a socket to the relay', error);
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.send({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agent: this.options.agent ?? 'kafky',
      });
      this.helloTimer = setTimeout(
        () => socket.close(4001, 'no welcome'),
        this.options.helloTimeoutMs ?? 10_000,
      );
    };
    socket.onmessage = ({ data }) => {
      if (socket !== this.socket) return;
      if (typeof data !== 'string') {
        this.log.warn('kafky: the relay sent a binary frame; ignored');
        return;
      }
      const message = readFrame(data, this.log);
      if (!message) return;
      // Checked as it arrives, not when the frames before it are done with the store.
      const checked = this.arriving.arrived(message);
      // Answered in time, however long the frames before it take here.
      if (message.type === 'ack') this.inFlight.hear(message.acks.map((ack) => ack.id));
      if (message.type === 'rejected') this.inFlight.hear([message.id as EventId]);
      this.frames = this.frames
        .then(() => this.handle(message, socket, checked))
        .catch((error: unknown) => this.log.error('kafky: could not handle a relay frame', error));
    };
    socket.onclose = () => {
      if (socket !== this.socket) return;
      this.dropSocket();
      this.scheduleRetry();
    };
    socket.onerror = () => {
      // The close event follows and does the work; an error alone says nothing more.
    };
  }

  /** Follows or unfollows what changed while the welcome was answered with `subscribed`. */
  private catchUpWithRooms(subscribed: readonly RoomId[]): void {
    const { follow, unfollow } = this.beforeWelcome.missedBy(subscribed);
    for (const room of follow) this.follow(room);
    for (const room of unfollow) this.unfollow(room);
  }

  private dropSocket(): void {
    clearTimeout(this.helloTimer);
    if (this.socket) {
      this.socket.onopen = this.socket.onmessage = this.socket.onclose = this.socket.onerror = null;
    }
    this.socket = null;
    this.welcomed = false;
    this.inFlight.clear();
    this.roomNotThere.clear();
    this.subscribed.clear();
    this.arriving.clear();
    this.proven.clear();
    // Who types and who is online was only true while the relay kept saying so.
    this.options.activity?.clear();
    this.setStatus('offline');
  }

  private scheduleRetry(): void {
    if (this.stopped || !this.networkUp) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), this.backoff.next());
  }

  private async handle(message: RelayMessage, from: SocketLike, checked?: Checked): Promise<void> {
    const { store, bus } = this.options;
    switch (message.type) {
      case 'welcome': {
        clearTimeout(this.helloTimer);
        await this.checkEpoch(message.epoch);
        this.challenge = message.challenge;
        const { auth, subscribes } = await welcomeReply(
          store,
          this.options.identity,
          this.challenge,
        );
        // The socket may have dropped while the store was busy (an epoch change rebuilds
        // every read model): then this welcome is void, and the next one starts over.
        if (from !== this.socket) return;
        // First of all: the relay takes nothing else before it.
        if (auth) this.send(auth);
        for (const { left, frame } of subscribes) {
          this.send(frame);
          if (!left) continue;
          this.send({ type: 'unsubscribe', room: frame.room });
          this.subscribed.delete(frame.room);
        }
        this.welcomed = true;
        this.catchUpWithRooms(subscribes.filter((s) => !s.left).map((s) => s.frame.room));
        this.backoff.reset();
        this.setStatus('online');
        await this.flush();
        return;
      }
      case 'events': {
        // Checked before the store's transaction: Web Crypto is asynchronous.
        const { valid, refused } = await (checked ?? checkSignatures(message.events));
        for (const { event, reason } of refused) {
          this.log.warn(`kafky: refused event ${event.id} from the relay: ${reason}`);
        }
        const applied = await store.applyRemote(message.room, valid, refused);
        bus.emit('eager', applied.added);
        bus.emit('kafked', [...applied.added, ...applied.confirmed]);
        // The room's newest events, ahead of its history: beyond the cursor on purpose.
        if (message.latest) return;
        await this.resubscribeOnGap(message.room, message.events.at(-1)?.seq ?? 0);
        return;
      }
      case 'ack': {
        const ids = message.acks.map((ack) => ack.id);
        for (const id of ids) {
          const room = this.inFlight.roomOf(id);
          if (room) this.roomNotThere.taken(room);
          this.inFlight.answered(id);
        }
        const acked = () => this.delivery.acked(message.acks);
        bus.emit('kafked', await this.handOvers.acknowledging(ids, acked));
        // The window has room again: push what waited behind it.
        await this.outbox.acknowledged();
        return;
      }
      case 'rejected': {
        const room = this.inFlight.roomOf(message.id as EventId);
        this.inFlight.answered(message.id as EventId);
        const rooms = message.code === 'room_denied' && room ? await store.rooms() : [];
        if (room && rooms.some((r) => r.room === room && r.secret)) {
          this.roomNotThere.hold(message.id as EventId, room);
          return;
        }
        await this.delivery.refused(message.id as EventId, message.code, message.message);
        this.log.warn(`kafky: the relay refused event ${message.id}: ${message.message}`);
        // The relay goes on with the next event, and so does the room's queue here.
        await this.flush();
        return;
      }
      default:
        applySignal(message, from === this.socket, this.signals);
    }
  }

  /** A new epoch means the relay's log was replaced: see `EventStore.adoptEpoch`. */
  private async checkEpoch(epoch: string): Promise<void> {
    const { changed, requeued } = await this.options.store.adoptEpoch(epoch);
    if (changed) {
      this.log.warn(
        `kafky: the relay's log was replaced (epoch ${epoch}); catching up from the start and pushing ${requeued} own events again`,
      );
    }
  }

  /** Events are sent in order with no gap; if one shows anyway, ask again from the cursor. */
  private async resubscribeOnGap(room: RoomId, lastSeq: number): Promise<void> {
    // The cursor alone after every frame; the room's state only for a gap, which is rare.
    if ((await this.options.store.cursor(room)) >= lastSeq) return;
    const state = (await this.options.store.rooms()).find((r) => r.room === room);
    if (state && state.cursor < lastSeq) {
      this.log.warn(`kafky: gap in room ${room} after ${state.cursor}; catching up`);
      this.send(await subscribeFrame(this.challenge, state));
    }
  }

  /** Writes a frame to the open socket; false (and nothing written) when there is none. */
  private send(message: ClientMessage): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(message));
    if (message.type === 'subscribe') {
      this.subscribed.add(message.room);
      this.proven.add(message.room);
    }
    if (message.type === 'subscribe' || message.type === 'unsubscribe') {
      this.arriving.notLive(message.room);
    }
    return true;
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.statusValue) return;
    this.statusValue = status;
    for (const listener of this.statusListeners) listener(status);
  }
}
