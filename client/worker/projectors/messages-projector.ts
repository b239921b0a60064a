import {
  checkEvent,
  type EventId,
  type KafkyEvent,
  type MessageRelation,
  type MessageSent,
} from '../../../shared/index.ts';
import type { KafkyDb, MessageRow, ReactionRow, StoredEvent } from '../db.ts';
import { byRoomOrder, sortKey, stripStorage, type Projector } from './projector.ts';

type Stored<T extends KafkyEvent> = T & Omit<StoredEvent, keyof KafkyEvent>;

/**
 * The conversation of each room, one row per message. A message's row is a function of
 * the message and of every edit, deletion and reaction that points at it, in the room's
 * order; it is recomputed whenever any of them is stored or moves, so events that
 * arrive out of order (a reaction before its message, an edit confirmed before an
 * earlier one) give the same row as events in order.
 */
export const messagesProjector: Projector = {
  name: 'messages',
  version: 2,
  async apply(db, event) {
    switch (event.type) {
      case 'message.sent':
        return recompute(db, event.id);
      case 'message.edited':
      case 'message.deleted':
      case 'reaction.set':
        return recompute(db, event.payload.target);
      default:
        return;
    }
  },
};

async function recompute(db: KafkyDb, id: EventId): Promise<void> {
  const message = (await db.events.where('id').equals(id).first()) as
    Stored<MessageSent> | undefined;
  // A relation that arrived before its message waits in the log; the message picks it up.
  if (!message || message.type !== 'message.sent' || !checkEvent(stripStorage(message)).ok) return;
  const relations = (await db.events.where('payload.target').equals(id).toArray())
    .filter((e) => !e.rejected && e.room === message.room && checkEvent(stripStorage(e)).ok)
    .sort(byRoomOrder) as Stored<MessageRelation>[];

  let text = message.payload.text;
  let edited = false;
  let deleted = false;
  // Per key, who has it on; a Map keeps the order in which each first put it on.
  const reactions = new Map<string, Map<string, boolean>>();
  for (const relation of relations) {
    switch (relation.type) {
      case 'message.edited':
        // Only the author may edit, and nothing revives a deleted message.
        if (relation.author !== message.author || deleted) break;
        text = relation.payload.text;
        edited = true;
        break;
      case 'message.deleted':
        if (relation.author === message.author) deleted = true;
        break;
      case 'reaction.set': {
        const authors = reactions.get(relation.payload.key) ?? new Map<string, boolean>();
        if (!relation.payload.on) authors.delete(relation.author);
        else if (!authors.has(relation.author)) authors.set(relation.author, true);
        reactions.set(relation.payload.key, authors);
        break;
      }
    }
  }

  const row: MessageRow = {
    id: message.id,
    room: message.room,
    author: message.author,
    text: deleted ? '' : text,
    ts: message.ts,
    state: message.rejected ? 'failed' : message.seq === undefined ? 'pending' : 'delivered',
    edited: edited && !deleted,
    deleted,
    reactions: deleted ? [] : reactionRows(reactions),
    ...sortKey(message),
  };
  if (message.seq !== undefined) row.seq = message.seq;
  if (message.rejected) row.error = message.rejected;
  if (message.payload.replyTo) row.replyTo = message.payload.replyTo;
  await db.messages.put(row);
}

function reactionRows(reactions: Map<string, Map<string, boolean>>): ReactionRow[] {
  return [...reactions]
    .filter(([, authors]) => authors.size > 0)
    .map(([key, authors]) => ({ key, authors: [...authors.keys()] as ReactionRow['authors'] }));
}
