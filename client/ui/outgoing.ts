import type { AuthorId, EventId, RoomId } from '../../shared/ids.ts';
import type { MessageView } from '../api.ts';
import { TabChannel, quoteOf } from './tab-channel.ts';

/**
 * A message being sent from this browser, shown from the moment Send is pressed: storing
 * it and reading it back through the worker takes a few frames, and a person expects to
 * see what they wrote at once. The browser's other tabs hear of it over a BroadcastChannel
 * (a fraction of a millisecond), so they show it as fast.
 */
export interface Outgoing {
  /** Unique among the browser's tabs; the worker names the message only once stored. */
  key: string;
  room: RoomId;
  text: string;
  replyTo?: EventId;
  ts: number;
  /** The message's id, once the worker has stored it. */
  id?: EventId;
}

type Note =
  | { kind: 'add'; outgoing: Outgoing }
  | { kind: 'settle'; key: string; id: EventId }
  | { kind: 'drop'; key: string };

/** One that its tab never settled (closed while sending, say) is given up after this. */
const GIVE_UP_MS = 10_000;
/** The worker stamps a message just after the tab does, by the same clock: a little slack. */
const CLOCK_SLACK_MS = 100;

/** What the composer does with a message it sends: say what became of it. */
export interface Sending {
  settle(id: EventId): void;
  drop(): void;
}

/** This tab's view of the messages being sent from any tab of the browser. */
export class OutgoingMessages {
  private readonly entries = new Map<string, Outgoing>();
  private readonly channel: TabChannel<Outgoing | null>;
  private readonly tab = Math.random().toString(36).slice(2);
  private next = 0;

  constructor(channelName = 'kafky-outgoing') {
    this.channel = new TabChannel(channelName, 'a message being sent', (data) =>
      this.apply(data as Note, false),
    );
  }

  /** A message about to be sent from this tab. */
  add(room: RoomId, text: string, replyTo?: EventId): Sending {
    const key = `${this.tab}:${this.next++}`;
    const outgoing: Outgoing = { key, room, text, ts: Date.now(), ...(replyTo ? { replyTo } : {}) };
    this.post({ kind: 'add', outgoing });
    return {
      settle: (id) => this.post({ kind: 'settle', key, id }),
      drop: () => this.post({ kind: 'drop', key }),
    };
  }

  /** Those of `room` still to show, oldest first. */
  of(room: RoomId): Outgoing[] {
    return [...this.entries.values()].filter((o) => o.room === room);
  }

  /** The read model shows it now, in its place: this tab stops showing it as outgoing. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Calls `listener` on every change, with the entry when this tab added it. */
  subscribe(listener: (added: Outgoing | null) => void): () => void {
    return this.channel.subscribe(listener);
  }

  close(): void {
    this.channel.close();
  }

  private post(note: Note): void {
    this.apply(note, true);
    // Should it fail, the other tabs show it when the worker has stored it.
    this.channel.post(note);
  }

  private apply(note: Note, own: boolean): void {
    switch (note.kind) {
      case 'add':
        if (!isOutgoing(note.outgoing)) {
          this.channel.misread(note);
          return;
        }
        this.entries.set(note.outgoing.key, note.outgoing);
        setTimeout(() => this.remove(note.outgoing.key), GIVE_UP_MS);
        this.channel.notify(own ? note.outgoing : null);
        return;
      case 'settle': {
        const entry = this.entries.get(note.key);
        if (entry) entry.id = note.id;
        return;
      }
      case 'drop':
        this.remove(note.key);
        return;
      default:
        this.channel.misread(note);
    }
  }

  private remove(key: string): void {
    if (this.entries.delete(key)) this.channel.notify(null);
  }
}

function isOutgoing(value: Partial<Outgoing> | undefined): value is Outgoing {
  return (
    typeof value?.key === 'string' &&
    typeof value.room === 'string' &&
    typeof value.text === 'string' &&
    typeof value.ts === 'number'
  );
}

/** The tab's one instance, shared by the composer and the message list. */
export const outgoing = new OutgoingMessages();

/**
 * The messages of `timeline` and, after them, those outgoing ones it does not hold yet,
 * as `me` would see them. One in the timeline (by id, or before the id is known, as an
 * own message with the same text written since) is passed to `shown` with the message
 * that shows it now, to be forgotten.
 */
export function withOutgoing(
  timeline: readonly MessageView[],
  pending: readonly Outgoing[],
  me: { author: AuthorId; name: string },
  shown: (key: string, id: EventId) => void,
): readonly MessageView[] {
  if (pending.length === 0) return timeline;
  const claimed = new Set<EventId>();
  const extra: MessageView[] = [];
  for (const o of pending) {
    const match = timeline.find((m) =>
      o.id
        ? m.id === o.id
        : m.own && !claimed.has(m.id) && m.text === o.text && m.ts >= o.ts - CLOCK_SLACK_MS,
    );
    if (match) {
      claimed.add(match.id);
      shown(o.key, match.id);
      continue;
    }
    const quoted = o.replyTo ? timeline.find((m) => m.id === o.replyTo) : undefined;
    extra.push({
      id: o.key as EventId,
      room: o.room,
      author: me.author,
      authorName: me.name,
      text: o.text,
      ts: o.ts,
      seq: null,
      state: 'pending',
      own: true,
      edited: false,
      deleted: false,
      reactions: [],
      ...(quoted ? { replyTo: quoteOf(quoted) } : {}),
    });
  }
  return extra.length ? [...timeline, ...extra] : timeline;
}
