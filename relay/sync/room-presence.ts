import type { AuthorId, Presence, RoomId } from '../../shared/index.ts';
import type { RelayLogger } from './socket.ts';

/** What presence needs of a room's subscription. */
export interface PresenceMember {
  readonly connection: { readonly author: AuthorId | null | undefined };
  readonly live: boolean;
}

/** How presence reaches a subscriber: the frame, and its JSON encoded once for all. */
export type PresenceSend<M extends PresenceMember> = (
  to: M,
  message: Presence,
  encoded: Buffer,
) => void;

/**
 * Who is online in each room, told to its live subscribers when it changes. A `presence`
 * frame holds the room's whole online set, so each change costs the room's size times
 * its size in bytes: when a room fills (a lobby in the morning, everyone reconnecting
 * after a relay restart) a frame per join would be the square of the room's size per
 * join. So a room is told at once of a change after a quiet `intervalMs`, and of all
 * the changes within it in one frame when it ends; a subscriber that just caught up is
 * sent the set as it is by the hub. The frame is serialized and encoded once per change.
 */
export class RoomPresence<M extends PresenceMember> {
  /** Each room's online set as last told, as a key, so only changes are told. */
  private readonly told = new Map<RoomId, string>();
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

  /** The room's online set may have changed: tells its live subscribers, now or soon. */
  changed(room: RoomId): void {
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

  /** Stops the frames waiting for their interval (the relay is closing). */
  close(): void {
    for (const held of this.held.values()) clearTimeout(held.timer);
    this.held.clear();
  }

  private tell(room: RoomId): void {
    const online = this.online(room);
    const key = online.join(' ');
    if ((this.told.get(room) ?? '') === key) return;
    if (key) this.told.set(room, key);
    else this.told.delete(room);
    const message: Presence = { type: 'presence', room, online };
    let encoded: Buffer | undefined;
    for (const member of this.members(room)) {
      if (!member.live) continue;
      encoded ??= Buffer.from(JSON.stringify(message));
      this.send(member, message, encoded);
    }
    // Only a frame that went out starts an interval; an empty room forgets its own.
    if (encoded) this.held.set(room, { at: this.options.now() });
    else this.held.delete(room);
  }
}
