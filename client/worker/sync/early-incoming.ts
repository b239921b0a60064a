import type {
  AuthorId,
  EventId,
  RelayMessage,
  RoomId,
  SequencedEvent,
} from '../../../shared/index.ts';
import { INCOMING_CHANNEL, type IncomingNote } from '../../api.ts';
import { checkSignatures } from './signatures.ts';

export type Checked = ReturnType<typeof checkSignatures>;

/** A live frame holds a few events; a larger one is a catch-up page, shown once stored. */
const EARLY_MAX = 20;

/**
 * The messages of a live frame as the tabs show them early: each `message.sent` by
 * someone else, unless an event of the same frame edits or deletes it (then it waits for
 * the store, which shows it as it stands).
 */
export function incomingNotes(
  events: readonly SequencedEvent[],
  me: AuthorId | undefined,
): IncomingNote[] {
  if (events.length > EARLY_MAX) return [];
  const targeted = new Set(
    events.map((e) => (e.payload as { target?: unknown }).target).filter(Boolean),
  );
  return events.flatMap((event): IncomingNote[] => {
    if (event.type !== 'message.sent' || event.author === me || targeted.has(event.id)) return [];
    const { text, replyTo } = event.payload as { text?: unknown; replyTo?: unknown };
    if (typeof text !== 'string') return [];
    const { id, room, author, ts, seq } = event;
    return [
      {
        id,
        room,
        author,
        text,
        ts,
        seq,
        ...(typeof replyTo === 'string' ? { replyTo: replyTo as EventId } : {}),
      },
    ];
  });
}

/**
 * Tells the tabs of messages the relay forwarded, once their signatures hold and before
 * this browser has stored them: the relay's log already holds them, so showing them is
 * honest, and storing them takes a write transaction that may wait behind others.
 */
export class EarlyIncoming {
  constructor(
    private readonly me: AuthorId | undefined,
    private readonly channel: Pick<
      BroadcastChannel,
      'postMessage' | 'close'
    > | null = typeof BroadcastChannel === 'function'
      ? new BroadcastChannel(INCOMING_CHANNEL)
      : null,
    private readonly log: Pick<Console, 'warn'> = console,
  ) {}

  close(): void {
    this.channel?.close();
  }

  show(events: readonly SequencedEvent[]): void {
    const notes = incomingNotes(events, this.me);
    if (notes.length === 0 || !this.channel) return;
    try {
      this.channel.postMessage(notes);
    } catch (error) {
      // Only a head start: the tabs show the messages once they are stored.
      this.log.warn('kafky: could not tell the tabs of incoming messages', error);
    }
  }
}

/**
 * Frames as they arrive on one socket: their events' signatures are checked at once, not
 * when the frames before them are done with the store, and a live frame's events (of a
 * room caught up on this socket) that hold go to `early` before they are stored.
 */
export class ArrivingFrames {
  /** Rooms caught up on this socket: their frames are live events, not catch-up pages. */
  private readonly live = new Set<RoomId>();

  constructor(
    private readonly early: ((events: readonly SequencedEvent[]) => void) | undefined,
    private readonly log: Pick<Console, 'error'>,
  ) {}

  /** Starts checking an `events` frame (the check to await in turn); notes `caught-up`. */
  arrived(message: RelayMessage): Checked | undefined {
    if (message.type === 'caught-up') this.live.add(message.room);
    if (message.type !== 'events') return undefined;
    const checked = checkSignatures(message.events);
    // Awaited in turn by the frame's handler, which reports a failure.
    checked.catch(() => undefined);
    const { early } = this;
    if (early && this.live.has(message.room)) {
      checked
        .then(({ valid }) => early(valid))
        .catch((error: unknown) => this.log.error('kafky: could not show events early', error));
    }
    return checked;
  }

  /** Subscribed anew, or left: what comes for the room until it is caught up is no live frame. */
  notLive(room: RoomId): void {
    this.live.delete(room);
  }

  /** The socket dropped. */
  clear(): void {
    this.live.clear();
  }
}
