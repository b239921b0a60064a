import type { RoomId } from '../../../shared/index.ts';

/**
 * Rooms joined or left while no welcome was answered. The welcome's reply reads the
 * rooms once, so one joined between that read and the reply's end would otherwise not be
 * subscribed until the socket dropped (seen: an invite link opened at connect time).
 */
export class RoomChanges {
  private readonly changes = new Map<RoomId, 'follow' | 'unfollow'>();

  note(room: RoomId, change: 'follow' | 'unfollow'): void {
    this.changes.set(room, change);
  }

  /** What the welcome that `subscribed` these rooms missed; forgets it all. */
  missedBy(subscribed: readonly RoomId[]): { follow: RoomId[]; unfollow: RoomId[] } {
    const sent = new Set(subscribed);
    const missed = { follow: [] as RoomId[], unfollow: [] as RoomId[] };
    for (const [room, change] of this.changes) {
      if (change === 'follow' && !sent.has(room)) missed.follow.push(room);
      if (change === 'unfollow' && sent.has(room)) missed.unfollow.push(room);
    }
    this.changes.clear();
    return missed;
  }
}
