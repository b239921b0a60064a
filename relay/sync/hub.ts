import {
  CLOSE_CODES,
  LIMITS,
  type AnyEvent,
  type AuthorId,
  type ConnectionId,
  type ErrorMessage,
  type RelayMessage,
  type RoomId,
  type SequencedEvent,
} from '../../shared/index.ts';
import {
  randomId,
  type AppendResult,
  type EventLog,
  type IdempotencyKeys,
} from '../log/event-log.ts';
import { ClientGuard } from '../ops/guard.ts';
import { DEFAULT_LIMITS, type RelayLimits } from '../ops/limits.ts';
import { RelayMetrics } from '../ops/metrics.ts';
import { Committer } from './committer.ts';
import { Connection } from './connection.ts';
import { RoomPresence } from './room-presence.ts';
import { consoleLogger, type RelayLogger, type RelaySocket } from './socket.ts';

/** One connection's interest in one room. */
export interface Subscription {
  readonly connection: Connection;
  readonly room: RoomId;
  /** Every event up to here has been sent (or was the connection's own). */
  cursor: number;
  /** Caught up: new events are sent as they are committed. */
  live: boolean;
}

export interface HubOptions {
  log: EventLog;
  logger?: RelayLogger;
  now?: () => number;
  /** How long a socket may stay silent before its `hello`. */
  helloTimeoutMs?: number;
  /** Catch-up pauses while a socket has more than this many bytes queued. */
  highWaterBytes?: number;
  /** How long a typing signal lasts at the receivers unless renewed (ms). */
  typingTtlMs?: number;
  /** Typing signals passed on per connection, room and second; the excess is dropped. */
  typingPerSecond?: number;
  /** An event whose JSON is larger is refused with `event_too_large`. */
  maxEventBytes?: number;
  /** What clients may do; see ops/limits.ts. Unset ones take their defaults. */
  limits?: Partial<RelayLimits>;
  metrics?: RelayMetrics;
  /** A room is told who is online at most once per this many ms (see room-presence.ts). */
  presenceIntervalMs?: number;
}

/** A catch-up page's bounds. */
const PAGE = { maxEvents: LIMITS.pageEventsMax, maxBytes: LIMITS.pageBytesMax };

/** How long a slow consumer, closed, has to read its close frame before it is cut off. */
const SLOW_CONSUMER_GRACE_MS = 2000;

/**
 * The relay's sync core: the live connections, who is subscribed to which room, each
 * room's head, and the path of a push: validate, group-commit, acknowledge, forward.
 * It is the log's only writer, which is what lets it keep heads in memory.
 */
export class Hub {
  readonly log: EventLog;
  readonly logger: RelayLogger;
  readonly helloTimeoutMs: number;
  readonly highWaterBytes: number;
  readonly typingTtlMs: number;
  readonly typingPerSecond: number;
  readonly limits: RelayLimits;
  readonly metrics: RelayMetrics;
  private readonly committer: Committer;
  private readonly guard: ClientGuard;
  private readonly sockets = new WeakMap<Connection, { socket: RelaySocket; address: string }>();
  private drainingSince: number | undefined;
  private readonly connections = new Set<Connection>();
  private readonly rooms = new Map<RoomId, Set<Subscription>>();
  /**
   * The heads of the rooms someone follows (those in `rooms`): a room no one follows is
   * read from the log when someone comes back, as its commits meanwhile were not noted.
   */
  private readonly heads = new Map<RoomId, number>();
  private readonly presence: RoomPresence<Subscription>;
  private readonly now: () => number;

  constructor(options: HubOptions) {
    this.log = options.log;
    this.logger = options.logger ?? consoleLogger;
    this.now = options.now ?? Date.now;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
    this.limits = {
      ...DEFAULT_LIMITS,
      ...options.limits,
      maxEventBytes:
        options.maxEventBytes ?? options.limits?.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes,
    };
    // Catch-up waits well below the cap, so only live traffic can push a socket past it.
    this.highWaterBytes =
      options.highWaterBytes ?? Math.min(1024 * 1024, this.limits.maxBufferedBytes / 4);
    this.typingTtlMs = options.typingTtlMs ?? 6000;
    this.typingPerSecond = options.typingPerSecond ?? 2;
    this.metrics = options.metrics ?? new RelayMetrics();
    this.metrics.observe(() => this.gauges());
    this.committer = new Committer(this.log, this.now, (events, seconds) =>
      this.metrics.committed(events, seconds),
    );
    this.guard = new ClientGuard(this.limits, this.metrics, this.now);
    this.presence = new RoomPresence(
      (room) => this.rooms.get(room) ?? [],
      (to, message, encoded) => this.signal(to.connection, message, encoded),
      { now: this.now, intervalMs: options.presenceIntervalMs ?? 1000, logger: this.logger },
    );
  }

  get maxEventBytes(): number {
    return this.limits.maxEventBytes;
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Whether one more socket from `address` is within the limit (checked before the upgrade). */
  admits(address: string): boolean {
    return this.guard.admits(address);
  }

  attach(socket: RelaySocket, address = ''): Connection {
    const connection = new Connection(randomId(9) as ConnectionId, socket, this);
    this.connections.add(connection);
    this.sockets.set(connection, { socket, address });
    this.metrics.connectionOpened();
    this.logger.debug?.('relay: connection opened', { connection: connection.id, address });
    // Sockets upgraded side by side can pass the check before the upgrade together.
    const refusal = this.guard.admit(address);
    if (refusal) {
      this.sockets.set(connection, { socket, address: '' });
      connection.send(refusal);
      connection.close(CLOSE_CODES.tryAgainLater, 'too many connections from this address');
    }
    return connection;
  }

  detach(connection: Connection): void {
    this.connections.delete(connection);
    this.logger.debug?.('relay: connection closed', { connection: connection.id });
    this.guard.release(this.sockets.get(connection)?.address ?? '');
    this.sockets.delete(connection);
    const rooms = [...connection.subscriptions.keys()];
    for (const subscription of connection.subscriptions.values()) this.leave(subscription);
    connection.subscriptions.clear();
    // Whoever leaves stops typing and, with their last connection, goes offline.
    for (const room of rooms) {
      if (connection.isTypingIn(room)) this.typing(connection, room, false);
      this.presence.changed(room);
    }
  }

  /** Open sockets, rooms with at least one subscriber, and heads held in memory. */
  stats(): { connections: number; rooms: number; heads: number } {
    return { connections: this.connections.size, rooms: this.rooms.size, heads: this.heads.size };
  }

  time(): number {
    return this.now();
  }

  /**
   * Whether a push of `count` events may go on; if not, the frame that refuses it. Over
   * the rate, the device gets `retryAfterMs`: pushing before then is refused again.
   */
  refusePush(from: Connection, count: number): RelayMessage | null {
    // A device is its author; a connection that names none is a device of its own.
    return this.refuseDevice(from.author ?? `connection:${from.id}`, count);
  }

  /** The same check for `count` events by `device` that come some other way (a bot's POST). */
  refuseDevice(device: string, count: number): ErrorMessage | null {
    return this.guard.push(device, count, this.draining);
  }

  /** A consumer with more than the allowed bytes unsent: closed, and cut off if it will not read. */
  slowConsumer(connection: Connection): void {
    const entry = this.sockets.get(connection);
    this.metrics.slowConsumers.inc();
    this.logger.warn('relay: closing a slow consumer', {
      connection: connection.id,
      buffered: entry?.socket.bufferedAmount,
    });
    connection.close(CLOSE_CODES.slowConsumer, 'too slow to read: reconnect and catch up');
    // What is queued for a socket that does not read is memory held for nothing.
    if (entry?.socket.terminate) {
      setTimeout(() => entry.socket.terminate?.(), SLOW_CONSUMER_GRACE_MS).unref();
    }
  }

  /**
   * Stops taking pushes and waits for the commits under way: once it resolves, every
   * event stored has been acknowledged to its sender (and forwarded).
   */
  async drain(): Promise<void> {
    this.drainingSince ??= this.now();
    // A commit's submitters hear of it (and acknowledge) before the committer is idle.
    await this.committer.idle();
  }

  /** Closes every connection with "going away", for a shutdown. */
  closeAll(): void {
    // First: the closes below would each tell their rooms, for sockets about to close.
    this.presence.close();
    for (const connection of [...this.connections]) {
      connection.close(CLOSE_CODES.goingAway, 'the relay is shutting down');
    }
  }

  /**
   * Stores events; once they are durable, acknowledges them to the sender and then
   * forwards the new ones to the room. Ack first, so the sender never sees a later
   * event of the room before the place of its own. A sender that is not a connection
   * (`null`: a bot's POST) takes its acknowledgement from the results, and every
   * subscriber gets the events.
   */
  async commit(
    from: Connection | null,
    events: readonly AnyEvent[],
    keys?: IdempotencyKeys,
  ): Promise<AppendResult[]> {
    const started = performance.now();
    const results = await this.committer.submit(events, keys);
    this.metrics.acknowledged(results.length, (performance.now() - started) / 1000);
    from?.send({
      type: 'ack',
      acks: results.map(({ id, room, seq, rts }) => ({ id, room, seq, rts })),
    });
    const fresh = new Map<RoomId, SequencedEvent[]>();
    results.forEach((result, i) => {
      if (result.duplicate) return;
      const event = { ...events[i], seq: result.seq, rts: result.rts } as SequencedEvent;
      const list = fresh.get(result.room) ?? [];
      list.push(event);
      fresh.set(result.room, list);
    });
    for (const [room, list] of fresh) this.forward(from, room, list);
    if (fresh.size > 0) this.metrics.fanOut((performance.now() - started) / 1000);
    return results;
  }

  /**
   * Starts (or restarts) a subscription: the `latest` newest events first if asked (and
   * more than a page is missing), then catch-up from `after`, then live.
   */
  subscribe(connection: Connection, room: RoomId, after: number, latest?: number): void {
    const old = connection.subscriptions.get(room);
    const refusal = old ? null : this.guard.room(connection.subscriptions.size);
    if (refusal) {
      connection.send(refusal);
      return;
    }
    if (old) this.leave(old);
    const subscription: Subscription = { connection, room, cursor: after, live: false };
    connection.subscriptions.set(room, subscription);
    const members = this.rooms.get(room) ?? new Set();
    members.add(subscription);
    this.rooms.set(room, members);
    this.presence.changed(room);
    this.catchUp(subscription, latest).catch((error: unknown) => connection.fail(error));
  }

  /** Ends a subscription: the connection stops typing there and leaves its presence. */
  unsubscribe(connection: Connection, room: RoomId): void {
    const subscription = connection.subscriptions.get(room);
    if (!subscription) return;
    if (connection.isTypingIn(room)) this.typing(connection, room, false);
    connection.subscriptions.delete(room);
    this.leave(subscription);
    this.presence.changed(room);
  }

  /** Takes a subscription out of its room, and a room no one follows out of the hub. */
  private leave(subscription: Subscription): void {
    const members = this.rooms.get(subscription.room);
    members?.delete(subscription);
    if (members?.size !== 0) return;
    this.rooms.delete(subscription.room);
    this.heads.delete(subscription.room);
  }

  /**
   * Passes a typing signal on to the room's other live subscribers. Ephemeral: it is
   * never stored, and a subscriber still catching up does not get it.
   */
  typing(from: Connection, room: RoomId, active: boolean): void {
    const author = from.author;
    if (!author) return;
    const ttl = active ? this.typingTtlMs : 0;
    for (const subscription of this.rooms.get(room) ?? []) {
      if (!subscription.live || subscription.connection === from) continue;
      this.signal(subscription.connection, { type: 'typing', room, author, ttl });
    }
  }

  /** Every author with at least one connection subscribed to the room, each once, sorted. */
  online(room: RoomId): AuthorId[] {
    return this.presence.online(room);
  }

  /** Sends an ephemeral frame; one that cannot be sent is not worth failing anyone else. */
  private signal(to: Connection, message: RelayMessage, encoded?: Buffer): void {
    try {
      to.send(message, encoded);
    } catch (error) {
      this.logger.warn('relay: could not send a signal', {
        connection: to.id,
        error: (error as Error).message,
      });
    }
  }

  private forward(from: Connection | null, room: RoomId, events: SequencedEvent[]): void {
    // A room no one follows keeps no head: who comes back reads it from the log.
    const subscriptions = this.rooms.get(room);
    if (!subscriptions) return;
    const first = events[0]!.seq;
    const last = events.at(-1)!.seq;
    const whole = { type: 'events', room, events } as const;
    let encoded: Buffer | undefined;
    this.heads.set(room, Math.max(this.heads.get(room) ?? 0, last));
    for (const subscription of subscriptions) {
      // One not yet live will read these from the log in its catch-up.
      if (!subscription.live) continue;
      const unseen =
        subscription.cursor < first ? events : events.filter((e) => e.seq > subscription.cursor);
      subscription.cursor = Math.max(subscription.cursor, last);
      if (subscription.connection === from || unseen.length === 0) continue;
      // The same frame for every subscriber that lacks all of it: serialized and encoded to
      // UTF-8 once, not per socket (a string would be scanned and encoded again by each send).
      if (unseen === events) {
        encoded ??= Buffer.from(JSON.stringify(whole));
        subscription.connection.send(whole, encoded);
      } else subscription.connection.send({ type: 'events', room, events: unseen });
    }
  }

  private async head(room: RoomId): Promise<number> {
    const known = this.heads.get(room);
    if (known !== undefined) return known;
    const followers = this.rooms.get(room);
    const stored = await this.log.head(room);
    // A commit may have raised it while we read.
    const head = Math.max(stored, this.heads.get(room) ?? 0);
    // Kept only if the room was followed all along: were it left meanwhile (and followed
    // again, a new set), commits between went unnoted and this read may be behind them.
    if (followers && this.rooms.get(room) === followers) this.heads.set(room, head);
    return head;
  }

  private isCurrent(subscription: Subscription): boolean {
    const { connection, room } = subscription;
    return connection.isOpen && connection.subscriptions.get(room) === subscription;
  }

  /**
   * Sends what the subscriber lacks in bounded pages, waiting for the socket to drain
   * between pages, then turns live. The check against the in-memory head and the switch
   * to live happen in one synchronous step, so no commit can slip between them.
   */
  private async catchUp(subscription: Subscription, latest?: number): Promise<void> {
    const { connection, room } = subscription;
    const first = await this.head(room);
    // The newest events sent ahead: the pages below leave them out.
    let sent =
      latest && first - subscription.cursor > LIMITS.pageEventsMax
        ? await this.sendLatest(subscription, latest, first)
        : null;
    while (this.isCurrent(subscription)) {
      const head = this.heads.get(room) ?? first;
      if (subscription.cursor >= head) {
        subscription.live = true;
        connection.send({ type: 'caught-up', room, head: subscription.cursor });
        // The set the others hold: the next presence-change brings all of them up to date.
        connection.send({ type: 'presence', room, online: this.presence.toldOnline(room) });
        return;
      }
      const read = await this.log.read(room, subscription.cursor, PAGE);
      if (!this.isCurrent(subscription)) return;
      if (read.length === 0) {
        // The head ran ahead of the log: only possible if the log was changed behind our back.
        throw new Error(`room ${room}: head ${head} but nothing after ${subscription.cursor}`);
      }
      const skip = sent;
      const page = skip ? read.filter((e) => e.seq < skip.from || e.seq > skip.to) : read;
      subscription.cursor = read.at(-1)!.seq;
      if (skip && subscription.cursor >= skip.from - 1) {
        subscription.cursor = Math.max(subscription.cursor, skip.to);
        sent = null;
      }
      if (page.length === 0) continue;
      connection.send({ type: 'events', room, events: page });
      this.metrics.catchUpPages.inc();
      await connection.drained();
    }
  }

  /**
   * Sends up to `count` of the room's newest events (up to `head`) in one page marked
   * `latest`, and answers the sequences it held (null if none was sent). The log reads
   * forward only, so a page cut short by its bytes is read again from a later start, until
   * it ends at the head (a few rounds at most: each starts where that many events fitted).
   */
  private async sendLatest(
    subscription: Subscription,
    count: number,
    head: number,
  ): Promise<{ from: number; to: number } | null> {
    const { connection, room } = subscription;
    let wanted = Math.min(count, LIMITS.pageEventsMax);
    let page: SequencedEvent[] = [];
    for (let round = 0; round < 4 && wanted > 0 && this.isCurrent(subscription); round++) {
      page = await this.log.read(room, Math.max(subscription.cursor, head - wanted), {
        ...PAGE,
        maxEvents: wanted,
      });
      if (page.length === 0 || page.at(-1)!.seq >= head) break;
      wanted = Math.min(wanted - 1, page.length);
    }
    if (!this.isCurrent(subscription) || page.length === 0) return null;
    connection.send({ type: 'events', room, events: page, latest: true });
    this.metrics.catchUpPages.inc();
    await connection.drained();
    return { from: page[0]!.seq, to: page.at(-1)!.seq };
  }

  /** What the metrics read at each scrape: open connections, and each room's lag. */
  private gauges(): { connections: number; lag: Map<RoomId, number> } {
    const lag = new Map<RoomId, number>();
    for (const [room, subscriptions] of this.rooms) {
      const head = this.heads.get(room);
      if (head === undefined || subscriptions.size === 0) continue;
      let behind = 0;
      for (const { cursor } of subscriptions) behind = Math.max(behind, head - cursor);
      lag.set(room, behind);
    }
    return { connections: this.connections.size, lag };
  }
}
