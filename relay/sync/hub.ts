import {
  CLOSE_CODES,
  LIMITS,
  type AnyEvent,
  type AuthorId,
  type ConnectionId,
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
import { DEFAULT_MAX_EVENT_BYTES } from './admission.ts';
import { Committer } from './committer.ts';
import { Connection } from './connection.ts';
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
}

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
  readonly maxEventBytes: number;
  private readonly committer: Committer;
  private readonly connections = new Set<Connection>();
  private readonly rooms = new Map<RoomId, Set<Subscription>>();
  private readonly heads = new Map<RoomId, number>();
  /** Each room's online set as last announced, as a key, to announce only changes. */
  private readonly announced = new Map<RoomId, string>();
  private readonly now: () => number;

  constructor(options: HubOptions) {
    this.log = options.log;
    this.logger = options.logger ?? consoleLogger;
    this.now = options.now ?? Date.now;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
    this.highWaterBytes = options.highWaterBytes ?? 1024 * 1024;
    this.typingTtlMs = options.typingTtlMs ?? 6000;
    this.typingPerSecond = options.typingPerSecond ?? 2;
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.committer = new Committer(this.log, this.now);
  }

  attach(socket: RelaySocket): Connection {
    const connection = new Connection(randomId(9) as ConnectionId, socket, this);
    this.connections.add(connection);
    return connection;
  }

  detach(connection: Connection): void {
    this.connections.delete(connection);
    const rooms = [...connection.subscriptions.keys()];
    for (const subscription of connection.subscriptions.values()) {
      this.rooms.get(subscription.room)?.delete(subscription);
    }
    connection.subscriptions.clear();
    // Whoever leaves stops typing and, with their last connection, goes offline.
    for (const room of rooms) {
      if (connection.isTypingIn(room)) this.typing(connection, room, false);
      this.announcePresence(room);
    }
  }

  stats(): { connections: number } {
    return { connections: this.connections.size };
  }

  time(): number {
    return this.now();
  }

  /** Closes every connection with "going away", for a shutdown. */
  closeAll(): void {
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
    const results = await this.committer.submit(events, keys);
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
    return results;
  }

  /** Starts (or restarts) a subscription: catch-up from `after`, then live. */
  subscribe(connection: Connection, room: RoomId, after: number): void {
    const old = connection.subscriptions.get(room);
    if (old) this.rooms.get(room)?.delete(old);
    const subscription: Subscription = { connection, room, cursor: after, live: false };
    connection.subscriptions.set(room, subscription);
    const members = this.rooms.get(room) ?? new Set();
    members.add(subscription);
    this.rooms.set(room, members);
    this.announcePresence(room);
    this.catchUp(subscription).catch((error: unknown) => connection.fail(error));
  }

  /** Ends a subscription: the connection stops typing there and leaves its presence. */
  unsubscribe(connection: Connection, room: RoomId): void {
    const subscription = connection.subscriptions.get(room);
    if (!subscription) return;
    if (connection.isTypingIn(room)) this.typing(connection, room, false);
    connection.subscriptions.delete(room);
    this.rooms.get(room)?.delete(subscription);
    this.announcePresence(room);
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
    const authors = new Set<AuthorId>();
    for (const { connection } of this.rooms.get(room) ?? []) {
      if (connection.author) authors.add(connection.author);
    }
    return [...authors].sort();
  }

  /** Tells the room's live subscribers who is online, if that changed since last told. */
  private announcePresence(room: RoomId): void {
    const online = this.online(room);
    const key = online.join(' ');
    if ((this.announced.get(room) ?? '') === key) return;
    if (key) this.announced.set(room, key);
    else this.announced.delete(room);
    for (const subscription of this.rooms.get(room) ?? []) {
      if (subscription.live)
        this.signal(subscription.connection, { type: 'presence', room, online });
    }
  }

  /** Sends an ephemeral frame; one that cannot be sent is not worth failing anyone else. */
  private signal(to: Connection, message: RelayMessage): void {
    try {
      to.send(message);
    } catch (error) {
      this.logger.warn('relay: could not send a signal', {
        connection: to.id,
        error: (error as Error).message,
      });
    }
  }

  private forward(from: Connection | null, room: RoomId, events: SequencedEvent[]): void {
    const last = events.at(-1)!.seq;
    this.heads.set(room, Math.max(this.heads.get(room) ?? 0, last));
    for (const subscription of this.rooms.get(room) ?? []) {
      // One not yet live will read these from the log in its catch-up.
      if (!subscription.live) continue;
      const unseen = events.filter((e) => e.seq > subscription.cursor);
      subscription.cursor = Math.max(subscription.cursor, last);
      const toSend = subscription.connection === from ? [] : unseen;
      if (toSend.length > 0) subscription.connection.send({ type: 'events', room, events: toSend });
    }
  }

  private async head(room: RoomId): Promise<number> {
    const known = this.heads.get(room);
    if (known !== undefined) return known;
    const stored = await this.log.head(room);
    // A commit may have raised it while we read.
    const head = Math.max(stored, this.heads.get(room) ?? 0);
    this.heads.set(room, head);
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
  private async catchUp(subscription: Subscription): Promise<void> {
    const { connection, room } = subscription;
    await this.head(room);
    while (this.isCurrent(subscription)) {
      const head = this.heads.get(room) ?? 0;
      if (subscription.cursor >= head) {
        subscription.live = true;
        connection.send({ type: 'caught-up', room, head: subscription.cursor });
        connection.send({ type: 'presence', room, online: this.online(room) });
        return;
      }
      const page = await this.log.read(room, subscription.cursor, {
        maxEvents: LIMITS.pageEventsMax,
        maxBytes: LIMITS.pageBytesMax,
      });
      if (!this.isCurrent(subscription)) return;
      if (page.length === 0) {
        // The head ran ahead of the log: only possible if the log was changed behind our back.
        throw new Error(`room ${room}: head ${head} but nothing after ${subscription.cursor}`);
      }
      connection.send({ type: 'events', room, events: page });
      subscription.cursor = page.at(-1)!.seq;
      await connection.drained();
    }
  }
}
