import type Database from 'better-sqlite3';
import type { AuthorId, EventId, RoomId } from '../../shared/index.ts';
import { visibleReactions, type MessageState, type Reaction } from './message-rules.ts';

/** A room as `GET /api/rooms` shows it. */
export interface RoomView {
  id: RoomId;
  /** From the latest `room.created` or `room.renamed`; null for a room never named (lobby). */
  name: string | null;
  /** Who wrote the room's first `room.created`, if it has one. */
  createdBy: AuthorId | null;
  /** The room's last sequence: every event up to it is reflected here. */
  head: number;
  /** Messages sent in the room, deleted ones included. */
  messages: number;
  /** The relay's time of the room's latest event. */
  lastActivity: number;
}

/** A message as it stands after its author's edits and deletion, with its reactions. */
export interface MessageView {
  id: EventId;
  room: RoomId;
  seq: number;
  author: AuthorId;
  /** Empty once deleted. */
  text: string;
  ts: number;
  rts: number;
  replyTo: EventId | null;
  edited: boolean;
  deleted: boolean;
  reactions: Reaction[];
}

export interface MessagePage {
  /** Newest first. */
  messages: MessageView[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: number | null;
}

/** A message row as stored: flags as integers, reactions as JSON. */
type MessageRow = Omit<MessageView, 'edited' | 'deleted' | 'reactions'> & {
  edited: number;
  deleted: number;
  reactions: string;
};

/** Prepares a statement, refusing any that could write: a query never writes. */
export function query<P extends unknown[], R>(db: Database.Database, sql: string) {
  const statement = db.prepare<P, R>(sql);
  if (!statement.readonly) throw new Error(`a query must not write: ${sql}`);
  return statement;
}

// Named as the views name them, so a room row needs no mapping.
const ROOM_COLUMNS =
  'id, name, created_by AS createdBy, head, messages, last_activity AS lastActivity';

/**
 * The read side's queries, over the tables `ReadModel` keeps. Every statement is checked
 * read-only when prepared; writes belong to the log and its projection.
 */
export class ReadQueries {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      rooms: query<[], RoomView>(
        db,
        `SELECT ${ROOM_COLUMNS} FROM rooms ORDER BY last_activity DESC, id`,
      ),
      room: query<[string], RoomView>(db, `SELECT ${ROOM_COLUMNS} FROM rooms WHERE id = ?`),
      messages: query<[string, number, number], MessageRow>(
        db,
        // Through the log's (room, seq) index: the messages table has no index of its own.
        `SELECT m.id, m.room, m.seq, m.author, m.text, m.ts, m.rts, m.reply_to AS replyTo,
           m.edited, m.deleted, m.reactions
         FROM events e CROSS JOIN messages m ON m.pos = e.pos
         WHERE e.room = ? AND e.seq < ? ORDER BY e.seq DESC LIMIT ?`,
      ),
    };
  }

  /** Every room with at least one event, the most recently active first. */
  rooms(): RoomView[] {
    return this.statements.rooms.all();
  }

  room(id: RoomId): RoomView | undefined {
    return this.statements.room.get(id);
  }

  /** A room's messages with `seq < before` (all when omitted), newest first. */
  messages(room: RoomId, { before, limit }: { before?: number; limit: number }): MessagePage {
    // One more than asked says whether an older page exists.
    const rows = this.statements.messages.all(room, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const messages = rows.slice(0, limit).map(messageView);
    return { messages, next: rows.length > limit ? messages.at(-1)!.seq : null };
  }
}

function messageView({ edited, deleted, reactions, ...row }: MessageRow): MessageView {
  return {
    ...row,
    edited: edited === 1,
    deleted: deleted === 1,
    reactions: visibleReactions({ reactions: JSON.parse(reactions) as MessageState['reactions'] }),
  };
}
