import type { EventId, RoomId } from '../../../shared/index.ts';

/** The timers the acknowledgement timeout runs on, so tests can drive them. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The events pushed on the current socket and not answered yet (acknowledged or
 * refused), with their room and when they went. One timer watches the oldest: an event
 * with no answer within `timeoutMs` is overdue, forgotten here, and handed to
 * `overdue`, which pushes it again.
 */
export class InFlight {
  private readonly sent = new Map<EventId, { room: RoomId; at: number }>();
  /**
   * Answered by a frame that has arrived but waits behind earlier ones (a catch-up's
   * pages being stored, say): on the wire until the answer is applied, never overdue.
   */
  private readonly heard = new Set<EventId>();
  private timer: unknown;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly overdue: (ids: EventId[]) => void,
  ) {}

  has(id: EventId): boolean {
    return this.sent.has(id);
  }

  /** How many of a room's events are on the wire: its window's use. */
  inRoom(room: RoomId): number {
    let count = 0;
    for (const entry of this.sent.values()) if (entry.room === room) count += 1;
    return count;
  }

  add(events: readonly { id: EventId; room: RoomId }[]): void {
    const at = this.clock.now();
    for (const { id, room } of events) this.sent.set(id, { room, at });
    this.arm();
  }

  /** The room of an event on the wire; undefined if it is not. */
  roomOf(id: EventId): RoomId | undefined {
    return this.sent.get(id)?.room;
  }

  /** An answer to `ids` has arrived; `answered` follows once it is applied. */
  hear(ids: readonly EventId[]): void {
    for (const id of ids) if (this.sent.has(id)) this.heard.add(id);
  }

  answered(id: EventId): void {
    this.sent.delete(id);
    this.heard.delete(id);
  }

  /** The socket dropped: whatever it carried is pushed anew on the next one. */
  clear(): void {
    this.sent.clear();
    this.heard.clear();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sets the timer for the oldest event still waiting, unless one is set. */
  private arm(): void {
    if (this.timer !== undefined) return;
    let oldest = Infinity;
    for (const [id, { at }] of this.sent) if (!this.heard.has(id)) oldest = Math.min(oldest, at);
    if (oldest === Infinity) return;
    const wait = Math.max(0, oldest + this.timeoutMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.expire();
    }, wait);
  }

  private expire(): void {
    const due = this.clock.now() - this.timeoutMs;
    const ids: EventId[] = [];
    for (const [id, { at }] of this.sent) {
      if (at > due || this.heard.has(id)) continue;
      this.sent.delete(id);
      ids.push(id);
    }
    this.arm();
    if (ids.length > 0) this.overdue(ids);
  }
}
