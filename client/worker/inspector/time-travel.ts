import { Dexie } from 'dexie';
import type { AuthorId, EventId, RoomId } from '../../../shared/index.ts';
import type { TimeTravelView } from '../../api.ts';
import type { KafkyDb, MessageRow, StoredEvent } from '../db.ts';
import { displayNames, memberViews, messageView } from '../queries.ts';
import { prefixThrough, replayRoom } from './replay.ts';

/**
 * The room as it was just after event `through`: its events up to there are read from
 * the log and replayed into read models held in memory (see `replayRoom`). Reads only.
 */
export async function timeTravel(
  db: KafkyDb,
  me: AuthorId,
  room: RoomId,
  through: EventId,
  limit: number,
): Promise<TimeTravelView | null> {
  // One read transaction, so the event and the room's log are read as of one moment.
  const read = await db.transaction('r', db.events, async () => {
    const chosen = await db.events.where('id').equals(through).first();
    if (!chosen || chosen.room !== room) return null;
    // A sequenced event comes after every sequenced one before it and before every
    // unsequenced one, so its prefix is one range of the sequence index.
    const events =
      chosen.seq === undefined
        ? await db.events
            .where('[room+type+pos]')
            .between([room, Dexie.minKey], [room, Dexie.maxKey])
            .toArray()
        : await db.events
            .where('[room+seq]')
            .between([room, Dexie.minKey], [room, chosen.seq], true, true)
            .toArray();
    return { chosen, prefix: prefixThrough(events, chosen) };
  });
  if (!read) return null;
  const { chosen, prefix } = read;
  const replay = replayRoom(room, prefix);
  const names = displayNames(replay.members);
  const byId = new Map(replay.messages.map((row) => [row.id, row]));
  const focus = focusOf(chosen);
  const shown = windowAround(replay.messages, focus && byId.has(focus) ? focus : null, limit);
  return {
    room,
    through: { id: chosen.id, pos: chosen.pos, seq: chosen.seq ?? null, type: chosen.type },
    replayed: prefix.length,
    name: replay.view?.name ?? room,
    members: memberViews(replay.members, me),
    messages: shown.map((row) => messageView(row, names, me, row.replyTo && byId.get(row.replyTo))),
    totalMessages: replay.messages.length,
    focus: focus && byId.has(focus) ? focus : null,
  };
}

/** The message an event wrote or points at. */
function focusOf(event: StoredEvent): EventId | null {
  if (event.type === 'message.sent') return event.id;
  const target = (event.payload as { target?: unknown }).target;
  return typeof target === 'string' ? (target as EventId) : null;
}

/** At most `limit` rows: around `focus` when given, else the latest. */
function windowAround(rows: MessageRow[], focus: EventId | null, limit: number): MessageRow[] {
  const at = focus ? rows.findIndex((row) => row.id === focus) : -1;
  if (at < 0) return rows.slice(Math.max(0, rows.length - limit));
  const start = Math.max(0, Math.min(at - Math.floor(limit / 2), rows.length - limit));
  return rows.slice(start, start + limit);
}
