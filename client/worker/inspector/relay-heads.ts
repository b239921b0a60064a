import { isRoomId, type RoomId } from '../../../shared/index.ts';

/**
 * The relay's head of each room, as its last `caught-up` frame said: in memory only,
 * for the inspector's lag. Past that frame every new event of the room arrives live, so
 * the head it shows is the larger of this and the room's local cursor.
 */
export class RelayHeads {
  private readonly heads = new Map<RoomId, number>();
  private readonly listeners = new Set<() => void>();

  /** The relay has sent everything of `room` up to `head`. */
  caughtUp(room: RoomId, head: number): void {
    if (this.heads.get(room) === head) return;
    // Latest, not largest: a relay whose log was replaced (a new epoch) may be behind.
    this.heads.set(room, head);
    this.changed();
  }

  get(room: RoomId): number | undefined {
    return this.heads.get(room);
  }

  /** Every room's head, as one core hands it to another. */
  all(): Record<string, number> {
    return Object.fromEntries(this.heads);
  }

  /** Takes another core's heads over as they are (see `BrowserChannel.shareHeads`). */
  load(heads: unknown): void {
    if (typeof heads !== 'object' || heads === null) throw new Error('malformed relay heads');
    const entries = Object.entries(heads);
    if (!entries.every(([room, head]) => isRoomId(room) && Number.isSafeInteger(head))) {
      throw new Error('malformed relay heads');
    }
    this.heads.clear();
    for (const [room, head] of entries) this.heads.set(room as RoomId, head as number);
    this.changed();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
