import type { EventId, RoomId } from '../../shared/ids.ts';
import { INCOMING_CHANNEL, type IncomingNote, type MemberView, type MessageView } from '../api.ts';
import { TabChannel, quoteOf } from './tab-channel.ts';

/**
 * One the timeline never took (the worker could not store it, say) is given up after
 * this: it comes again with the room's next catch-up, and shows then.
 */
const GIVE_UP_MS = 10_000;

/**
 * Messages from others that the relay has forwarded and the worker has verified but not
 * stored yet (see IncomingNote): this tab shows them until its timeline holds them.
 */
export class IncomingMessages {
  private readonly notes = new Map<EventId, IncomingNote>();
  private readonly channel: TabChannel<void>;

  constructor(channelName = INCOMING_CHANNEL) {
    this.channel = new TabChannel(channelName, 'an incoming message', (data) => this.take(data));
  }

  /** Those of `room` not shown from the timeline yet, in the room's order. */
  of(room: RoomId): IncomingNote[] {
    return [...this.notes.values()].filter((n) => n.room === room).sort((a, b) => a.seq - b.seq);
  }

  /** The timeline holds it now: it is no longer shown from here. */
  forget(id: EventId): void {
    this.notes.delete(id);
  }

  subscribe(listener: () => void): () => void {
    return this.channel.subscribe(listener);
  }

  close(): void {
    this.channel.close();
  }

  /** Takes the notes of one post, as the channel delivers it. */
  take(data: unknown): void {
    const notes = Array.isArray(data) ? data.filter(isNote) : [];
    if (!Array.isArray(data) || notes.length < data.length) this.channel.misread(data);
    const fresh = notes.filter((note) => !this.notes.has(note.id));
    if (fresh.length === 0) return;
    for (const note of fresh) {
      this.notes.set(note.id, note);
      setTimeout(() => this.drop(note.id), GIVE_UP_MS);
    }
    this.channel.notify();
  }

  private drop(id: EventId): void {
    if (this.notes.delete(id)) this.channel.notify();
  }
}

function isNote(value: unknown): value is IncomingNote {
  const note = value as Partial<IncomingNote> | null;
  return (
    typeof note?.id === 'string' &&
    typeof note.room === 'string' &&
    typeof note.author === 'string' &&
    typeof note.text === 'string' &&
    typeof note.ts === 'number' &&
    typeof note.seq === 'number' &&
    (note.replyTo === undefined || typeof note.replyTo === 'string')
  );
}

/** The tab's one instance. */
export const incoming = new IncomingMessages();

/**
 * The messages of `timeline` and, after them, the incoming ones newer than all it holds,
 * as the room's `members` name their authors. One the timeline holds already is passed
 * to `shown`, to be forgotten; one by an author not known to be a member yet, or older
 * than the newest the timeline holds, waits for the store.
 */
export function withIncoming(
  timeline: readonly MessageView[],
  notes: readonly IncomingNote[],
  members: readonly MemberView[],
  shown: (id: EventId) => void,
): readonly MessageView[] {
  if (notes.length === 0) return timeline;
  const held = new Map(timeline.map((m) => [m.id, m]));
  const newest = Math.max(0, ...timeline.map((m) => m.seq ?? 0));
  const extra: MessageView[] = [];
  for (const note of notes) {
    if (held.has(note.id)) {
      shown(note.id);
      continue;
    }
    const author = members.find((m) => m.author === note.author);
    if (!author || note.seq <= newest) continue;
    const quoted = note.replyTo ? held.get(note.replyTo) : undefined;
    extra.push({
      id: note.id,
      room: note.room,
      author: note.author,
      authorName: author.name,
      text: note.text,
      ts: note.ts,
      seq: note.seq,
      state: 'delivered',
      own: false,
      edited: false,
      deleted: false,
      reactions: [],
      ...(note.replyTo
        ? {
            replyTo: quoted
              ? quoteOf(quoted)
              : { id: note.replyTo, authorName: null, text: '', deleted: false },
          }
        : {}),
    });
  }
  return extra.length ? [...timeline, ...extra] : timeline;
}
