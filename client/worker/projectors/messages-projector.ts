import {
  EVENT_REGISTRY,
  type EventId,
  type KafkyEvent,
  type LocalEvent,
  type MessageRelation,
  type MessageSent,
} from '../../../shared/index.ts';
import type { MessageRow, ReactionRow, StoredEvent } from '../db.ts';
import { rowsWhere } from '../lookup.ts';
import { searchWords } from '../search-words.ts';
import {
  current,
  projectable,
  sortKey,
  type ProjectedEvent,
  type ProjectionContext,
  type Projector,
  type Registry,
} from './projector.ts';

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
  // 5: rows carry the mentions of message.sent v2.
  version: 5,
  tables: ['messages'],
  types: [
    'message.sent',
    'message.edited',
    'message.deleted',
    'reaction.set',
    'delivery.refused',
    'delivery.retried',
  ],
  async apply(ctx, event) {
    await recompute(ctx, [event]);
  },
  async applyMany(ctx, events) {
    await recompute(ctx, events);
  },
};

/** The message an event changes, if it changes one. */
function targetOf(event: KafkyEvent): EventId | null {
  switch (event.type) {
    case 'message.sent':
      return event.id;
    case 'message.edited':
    case 'message.deleted':
    case 'reaction.set':
    case 'delivery.refused':
    case 'delivery.retried':
      return event.payload.target;
    default:
      return null;
  }
}

/**
 * Recomputes the rows of the messages that `events` change. The messages among the
 * events are at hand; the others and every relation of each are read with a range read
 * or two (see `rowsWhere`). A message no longer in the log (a dropped draft, a
 * discarded refusal) loses its row.
 */
async function recompute(
  { db, registry, dropped, fresh }: ProjectionContext,
  events: readonly ProjectedEvent[],
) {
  const ids = new Set(events.map(targetOf).filter((id): id is EventId => id !== null));
  if (ids.size === 0) return;
  const messages = new Map<EventId, StoredEvent>();
  for (const event of dropped ? [] : events) {
    if (event.type === 'message.sent' && ids.has(event.id)) messages.set(event.id, event);
  }
  const missing = [...ids].filter((id) => !messages.has(id));
  const targetOfRow = (e: StoredEvent) => (e.payload as { target?: unknown }).target;
  // What points at a message just made here is among the events at hand, if anywhere.
  const asked = fresh ? missing : [...ids];
  const atHand = fresh ? events.filter((e) => ids.has(targetOfRow(e) as EventId)) : [];
  // Both reads at once: on a send they stand between the click and the commit.
  const [found, read] = await Promise.all([
    rowsWhere(db.events, 'id', missing, (e) => e.id),
    rowsWhere(db.events, 'payload.target', asked, targetOfRow),
  ]);
  const related = [...read, ...atHand.filter((e) => !asked.includes(targetOfRow(e) as EventId))];
  for (const message of found) messages.set(message.id, message);
  const relations = new Map<EventId, Stored<MessageRelation | LocalEvent>[]>();
  for (const relation of related) {
    const target = targetOfRow(relation) as EventId;
    const list = relations.get(target) ?? [];
    list.push(relation as Stored<MessageRelation | LocalEvent>);
    relations.set(target, list);
  }
  const rows: MessageRow[] = [];
  for (const message of messages.values()) {
    // A relation that arrived before its message waits in the log; the message picks it up.
    const sent = current(message, registry);
    if (sent?.type !== 'message.sent') continue;
    rows.push(computeRow(sent, relations.get(message.id) ?? [], registry));
  }
  const kept = new Set(rows.map((row) => row.id));
  const gone = [...ids].filter((id) => !kept.has(id));
  await Promise.all([gone.length > 0 && db.messages.bulkDelete(gone), db.messages.bulkPut(rows)]);
}

/**
 * A message's row from the message and every event that points at it, in any order, as
 * stored: each is read through `registry` (upcast; unknown and invalid ones left out).
 */
export function computeRow(
  stored: Stored<MessageSent>,
  all: Stored<MessageRelation | LocalEvent>[],
  registry: Registry = EVENT_REGISTRY,
): MessageRow {
  const message = current(stored, registry);
  if (message?.type !== 'message.sent') {
    throw new Error(`event ${stored.id} is not a message this code can read`);
  }
  const relations = projectable(
    all.filter((e) => e.room === message.room),
    registry,
  ) as Stored<MessageRelation | LocalEvent>[];
  // The compensation of a refusal (see docs/sagas.md): the latest word on the message's
  // delivery says whether it stands refused. (A log from before those events has only
  // the mark on the message.) The relay never took it, so what was done to it since is
  // undone until it is retried.
  const outcome = relations
    .filter((e) => e.type === 'delivery.refused' || e.type === 'delivery.retried')
    .at(-1);
  const refusal = outcome
    ? outcome.type === 'delivery.refused'
      ? { code: outcome.payload.code, message: outcome.payload.message }
      : null
    : (message.rejected ?? null);

  let text = message.payload.text;
  let edited = false;
  let deleted = false;
  // Per key, who has it on; a Map keeps the order in which each first put it on.
  const reactions = new Map<string, Map<string, boolean>>();
  for (const relation of refusal ? [] : relations) {
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
    state: refusal ? 'failed' : message.seq === undefined ? 'pending' : 'delivered',
    edited: edited && !deleted,
    deleted,
    reactions: deleted ? [] : reactionRows(reactions),
    words: deleted ? [] : searchWords(text),
    mentions: deleted ? [] : message.payload.mentions,
    ...sortKey(message),
  };
  if (message.seq !== undefined) row.seq = message.seq;
  if (refusal) row.error = refusal;
  if (message.payload.replyTo) row.replyTo = message.payload.replyTo;
  return row;
}

function reactionRows(reactions: Map<string, Map<string, boolean>>): ReactionRow[] {
  return [...reactions]
    .filter(([, authors]) => authors.size > 0)
    .map(([key, authors]) => ({ key, authors: [...authors.keys()] as ReactionRow['authors'] }));
}
