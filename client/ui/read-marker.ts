import type { EventId, RoomId } from '../../shared/ids.ts';
import type { MessageView } from '../api.ts';

/**
 * A read mark is an event every member's browser stores and every socket of the room
 * receives: while a busy room is on screen, one per second is plenty.
 */
export const READ_MARK_INTERVAL_MS = 1000;

/**
 * What to mark read when the reader sees the latest `messages` of a room (oldest first):
 * the newest message of someone else past the read position. One's own messages are read
 * by definition, so they alone never call for a mark. Null when nothing needs marking.
 */
export function readTarget(
  messages: readonly MessageView[],
  readThrough: EventId | null,
  hasOlder: boolean,
): EventId | null {
  const readAt = readThrough === null ? -1 : messages.findIndex((m) => m.id === readThrough);
  for (let i = messages.length - 1; i > readAt; i--) {
    if (!messages[i]!.own) return messages[i]!.id;
  }
  // The read position is older than everything shown (or unset, with history above): what
  // is unread lies above, and the reader has moved past it. Happens once, then it is shown.
  const last = messages.at(-1);
  if (last && readAt === -1 && (readThrough !== null || hasOlder)) return last.id;
  return null;
}

/**
 * Sends read marks at most once per interval: the first at once, later ones once the
 * interval has passed, each for the newest position asked for meanwhile. `flush` sends a
 * waiting one at once (the reader leaves the room or the tab).
 */
export class ReadMarker {
  private sent: { room: RoomId; through: EventId } | null = null;
  private sentAt = -Infinity;
  private waiting: { room: RoomId; through: EventId } | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (room: RoomId, through: EventId) => Promise<void>,
    private readonly interval = READ_MARK_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  mark(room: RoomId, through: EventId): void {
    if (this.sent?.room === room && this.sent.through === through) return;
    if (this.waiting && this.waiting.room !== room) this.flush();
    this.waiting = { room, through };
    const wait = this.sentAt + this.interval - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const mark = this.waiting;
    this.waiting = null;
    if (!mark) return;
    this.sent = mark;
    this.sentAt = this.now();
    this.send(mark.room, mark.through).catch((error: unknown) =>
      console.warn('kafky: could not mark as read', error),
    );
  }
}

/**
 * Where the "new messages" line goes: before the first message of someone else after
 * `after`, the reader's read position when they opened the room. -1 for nowhere.
 */
export function dividerIndex(messages: readonly MessageView[], after: EventId | null): number {
  const start = after === null ? 0 : messages.findIndex((m) => m.id === after) + 1;
  if (after !== null && start === 0) return -1;
  return messages.findIndex((m, i) => i >= start && !m.own);
}
