import {
  newEventId,
  type AnyEvent,
  type AuthorId,
  type EventId,
  type RoomId,
} from '../../shared/index.ts';

/** Builders for the events the read side projects, for tests. */
export const AUTHORS = ['ann-author-1', 'bob-author-1', 'cy-author-01'] as AuthorId[];

const envelope = (room: RoomId, author: AuthorId) => ({
  id: newEventId(),
  room,
  author,
  ts: 1_700_000_000_000,
});

export const make = {
  sent(
    room: RoomId,
    author: AuthorId,
    text: string,
    extra: { id?: EventId; replyTo?: EventId } = {},
  ) {
    const { id, replyTo } = extra;
    return {
      ...envelope(room, author),
      ...(id ? { id } : {}),
      type: 'message.sent',
      v: 2,
      payload: { text, mentions: [], ...(replyTo ? { replyTo } : {}) },
    } as AnyEvent;
  },
  /** The version an older client wrote: read as v2 through the upcaster. */
  sentV1(room: RoomId, author: AuthorId, text: string, id?: EventId) {
    return {
      ...envelope(room, author),
      ...(id ? { id } : {}),
      type: 'message.sent',
      v: 1,
      payload: { text },
    } as AnyEvent;
  },
  edited(room: RoomId, author: AuthorId, target: EventId, text: string) {
    return {
      ...envelope(room, author),
      type: 'message.edited',
      v: 1,
      payload: { target, text },
    } as AnyEvent;
  },
  deleted(room: RoomId, author: AuthorId, target: EventId) {
    return {
      ...envelope(room, author),
      type: 'message.deleted',
      v: 1,
      payload: { target },
    } as AnyEvent;
  },
  reaction(room: RoomId, author: AuthorId, target: EventId, key: string, on: boolean) {
    return {
      ...envelope(room, author),
      type: 'reaction.set',
      v: 1,
      payload: { target, key, on },
    } as AnyEvent;
  },
  created(room: RoomId, author: AuthorId, name: string) {
    return { ...envelope(room, author), type: 'room.created', v: 1, payload: { name } } as AnyEvent;
  },
  renamed(room: RoomId, author: AuthorId, name: string) {
    return { ...envelope(room, author), type: 'room.renamed', v: 1, payload: { name } } as AnyEvent;
  },
  /** A type this relay does not know: a newer client's. */
  unknown(room: RoomId, author: AuthorId) {
    return {
      ...envelope(room, author),
      type: 'poll.created',
      v: 1,
      payload: { q: '?' },
    } as AnyEvent;
  },
};

/**
 * A long random chat history over a few rooms: messages (some of the old version),
 * edits and deletions by their authors and by others, reactions on and off, renames,
 * unknown events, and relations that come before their message, point into another
 * room, or at nothing. Ids are drawn ahead, so a relation can name a message sent later.
 */
export function randomHistory(random: () => number, length: number): AnyEvent[] {
  const rooms = ['lobby', 'room-b', 'room-c'] as RoomId[];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const ids = Array.from({ length }, () => newEventId());
  const sent: { id: EventId; room: RoomId; author: AuthorId }[] = [];
  const events: AnyEvent[] = [];
  for (let i = 0; i < length; i++) {
    const room = pick(rooms);
    const author = pick(AUTHORS);
    const roll = random();
    // A target: mostly a message already sent, sometimes one not sent yet, or none at all.
    const target = (): { id: EventId; author: AuthorId } => {
      const r = random();
      if (r < 0.75 && sent.length > 0) return pick(sent);
      if (r < 0.95)
        return { id: ids[Math.min(length - 1, sent.length + Math.floor(random() * 5))]!, author };
      return { id: newEventId(), author };
    };
    const byAuthorOrNot = (t: { author: AuthorId }) => (random() < 0.7 ? t.author : author);
    // Mostly in the target's room, sometimes in another.
    const roomOf = (t: { id: EventId }) =>
      random() < 0.9 ? (sent.find((s) => s.id === t.id)?.room ?? room) : room;
    if (roll < 0.4) {
      const id = ids[sent.length]!;
      sent.push({ id, room, author });
      const reply = random() < 0.2 && sent.length > 1 ? pick(sent).id : undefined;
      events.push(
        random() < 0.15
          ? make.sentV1(room, author, `m${i}`, id)
          : make.sent(room, author, `m${i}`, { id, ...(reply ? { replyTo: reply } : {}) }),
      );
    } else if (roll < 0.55) {
      const t = target();
      events.push(make.edited(roomOf(t), byAuthorOrNot(t), t.id, `edit${i}`));
    } else if (roll < 0.62) {
      const t = target();
      events.push(make.deleted(roomOf(t), byAuthorOrNot(t), t.id));
    } else if (roll < 0.92) {
      const t = target();
      events.push(make.reaction(roomOf(t), author, t.id, pick(['👍', '🎉', '👀']), random() < 0.7));
    } else if (roll < 0.96) {
      events.push(
        random() < 0.5
          ? make.created(room, author, `name${i}`)
          : make.renamed(room, author, `rename${i}`),
      );
    } else {
      events.push(make.unknown(room, author));
    }
  }
  return events;
}
