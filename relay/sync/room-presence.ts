import type { AuthorId, PresenceChange, RoomId } from '../../shared/index.ts';
import type { RelayLogger } from './socket.ts';

/** What presence needs of a room's subscription. */
export interface PresenceMember {
  readonly connection: { readonly author: AuthorId | null | undefined };
  readonly live: boolean;
}

/** How presence reaches a subscriber: the frame, and its JSON encoded once for all. */
export type PresenceSend<M extends PresenceMember> = (
  to: M,
  message: PresenceChange,
  encoded: Buffer,
) => void;

/**
 * Who is online in each room, told to its live subscribers as it changes. A subscriber
 * that has just caught up is sent the set as last told (`told`, a `presence` frame, by
 * the hub); after that, `presence-change` frames say who came and went, so a change costs
 * the change and not the room's whole set to everyone (which, when a room fills, would be
 * the square of its size in bytes per join). A room is told at once of a change after a
 * quiet `intervalMs`, and of all the changes within it in one frame when it ends, each
 * frame serialized and encoded once. The set as last told is what every live subscriber
 * holds: one catching up meanwhile is sent it, and the next change brings it up to date
 * with the others.
 */
export class RoomPresence<M extends PresenceMember> {
  /** Each room's online set as last told. */
  private readonly told = new Map<RoomId, ReadonlySet<AuthorId>>();
  private closed = false;
  /** When each room was last told, and the frame waiting for the interval to end. */
  private readonly held = new Map<RoomId, { at: number; timer?: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly members: (room: RoomId) => Iterable<M>,
    private readonly send: PresenceSend<M>,
    private readonly options: { now: () => number; intervalMs: number; logger: RelayLogger },
  ) {}

  /** Every author with at least one connection subscribed to the room, each once, sorted. */
  online(room: RoomId): AuthorId[] {
    const authors = new Set<AuthorId>();
    for (const { connection } of this.members(room)) {
      if (connection.author) authors.add(connection.author);
    }
    return [...authors].sort();
  }

  /** The room's online set as last told, sorted: what a subscriber that caught up is sent. */
  toldOnline(room: RoomId): AuthorId[] {
    return [...(this.told.get(room) ?? [])].sort();
  }

  /** The room's online set may have changed: tells its live subscribers, now or soon. */
  changed(room: RoomId): void {
    if (this.closed) return;
    const held = this.held.get(room);
    if (held?.timer) return;
    const wait = held ? held.at + this.options.intervalMs - this.options.now() : 0;
    if (!held || wait <= 0) {
      this.tell(room);
      return;
    }
    held.timer = setTimeout(() => {
      held.timer = undefined;
      // A timer's callback: nothing may escape it.
      try {
        this.tell(room);
      } catch (error) {
        this.options.logger.error('relay: could not tell a room who is online', {
          room,
          error: (error as Error).message,
        });
      }
    }, wait);
    held.timer.unref?.();
  }

  /** Stops the frames waiting for their interval, and tells no room anything more. */
  close(): void {
    this.closed = true;
    for (const held of this.held.values()) clearTimeout(held.timer);
    this.held.clear();
  }

  private tell(room: RoomId): void {
    const online = new Set(this.online(room));
    const before = this.told.get(room) ?? new Set<AuthorId>();
    const joined = [...online].filter((author) => !before.has(author));
    const left = [...before].filter((author) => !online.has(author)).sort();
    if (joined.length === 0 && left.length === 0) return;
    if (online.size > 0) this.told.set(room, online);
    else this.told.delete(room);
    const live = [...this.members(room)].filter((member) => member.live);
    // Only a frame that goes out starts an interval; an empty room forgets its own. Set
    // before sending: a send that closes a slow consumer changes the room again, and that
    // change must wait for the interval, not overtake this frame on the sockets after it.
    if (live.length === 0) {
      this.held.delete(room);
      return;
    }
    this.held.set(room, { at: this.options.now() });
    const message: PresenceChange = { type: 'presence-change', room, joined, left };
    const encoded = Buffer.from(JSON.stringify(message));
    for (const member of live) this.send(member, message, encoded);
  }
}
