import type { AuthorId, EventId, RoomId } from '../../shared/index.ts';
import type {
  MemberView,
  MessageView,
  ProfileView,
  QuoteView,
  ReactionView,
  RoomSummary,
  RoomView,
  SearchHit,
  TimelineView,
  TimelineWindow,
} from '../api.ts';
import type { KafkyDb, MemberRow, MessageRow } from './db.ts';
import { searchWords } from './search-words.ts';

const PREVIEW_CHARS = 140;
/** Candidates a search looks at, at most, before ranking the newest first. */
const SEARCH_SCAN_MAX = 2000;
/** Unread counts stop here; the UI shows more as "999+". */
export const UNREAD_MAX = 1000;
/** Rows read per request while counting unread messages: the first, then the rest. */
const UNREAD_FIRST_CHUNK = 8;
const UNREAD_CHUNK = 200;

/** The read side: plain reads of the read models, safe to run inside Dexie's liveQuery. */
export class Queries {
  constructor(
    private readonly db: KafkyDb,
    private readonly me: AuthorId,
  ) {}

  /** The latest `limit` messages of a room, oldest first, in the room's one order. */
  async messages(room: RoomId, limit: number): Promise<MessageView[]> {
    const [rows, names] = await Promise.all([
      this.range(room).reverse().limit(limit).toArray(),
      this.names(room),
    ]);
    rows.reverse();
    return this.views(rows, names);
  }

  /**
   * A window of a room's history. Each side is read with one bounded index range (one
   * row more than asked, to know whether there is more), so the cost does not grow with
   * the room's length. Independent reads go out together: each is a round trip to the
   * browser's storage, and a new message waits for this query to be shown.
   */
  async timeline(room: RoomId, window: TimelineWindow): Promise<TimelineView> {
    const [rows, names] = await Promise.all([this.timelineRows(room, window), this.names(room)]);
    return timelineView(rows, names, this.me);
  }

  /**
   * The rows of a window of history, without the members' names: those change seldom and
   * a room may have thousands, so live, they are a query of their own (`names`) rather
   * than read again with every message. Its reads are not made one transaction: an append
   * asked for meanwhile would wait for all of them, where now it goes between two
   * (measured: browser to browser p50 66-77 ms with separate reads against 72-88 ms with
   * one transaction, 200 messages). The room's cursor, for `arriving`, is read together
   * with the rows, so it costs no round trip of its own.
   */
  async timelineRows(room: RoomId, window: TimelineWindow): Promise<TimelineRows> {
    const cursor = () => this.db.cursors.get(room).then((row) => row?.cursor ?? 0);
    const anchor = window.kind === 'around' ? await this.db.messages.get(window.anchor) : undefined;
    if (window.kind === 'latest' || !anchor || anchor.room !== room) {
      const limit = window.kind === 'latest' ? window.limit : window.before + window.after;
      const [rows, held] = await Promise.all([
        this.range(room)
          .reverse()
          .limit(limit + 1)
          .toArray(),
        cursor(),
      ]);
      const shown = rows.slice(0, limit).reverse();
      return {
        rows: shown,
        quoted: await this.quoted(shown),
        hasOlder: rows.length > limit,
        hasNewer: false,
        anchored: window.kind === 'latest',
        arriving: arrivingAfterGap(shown, held),
      };
    }
    const key = [room, anchor.section, anchor.n];
    const [older, newer, held] = await Promise.all([
      this.db.messages
        .where('[room+section+n]')
        .between([room, 0, -Infinity], key, true, false)
        .reverse()
        .limit(window.before + 1)
        .toArray(),
      this.db.messages
        .where('[room+section+n]')
        .between(key, [room, 1, Infinity], true, true)
        .limit(window.after + 1)
        .toArray(),
      cursor(),
    ]);
    const rows = [...older.slice(0, window.before).reverse(), ...newer.slice(0, window.after)];
    return {
      rows,
      quoted: await this.quoted(rows),
      hasOlder: older.length > window.before,
      hasNewer: newer.length > window.after,
      anchored: true,
      arriving: arrivingAfterGap(rows, held),
    };
  }

  /** The messages `rows` reply to, as far as they are held here. */
  private async quoted(rows: MessageRow[]): Promise<[EventId, MessageRow | null][]> {
    const targets = [...new Set(rows.flatMap((row) => (row.replyTo ? [row.replyTo] : [])))];
    const found = targets.length ? await this.db.messages.bulkGet(targets) : [];
    return targets.map((id, i) => [id, found[i] ?? null]);
  }

  private async views(rows: MessageRow[], names: Map<AuthorId, string>): Promise<MessageView[]> {
    return messageViews(rows, await this.quoted(rows), names, this.me);
  }

  /** Every room this browser is in, with what the room list shows of each. */
  async rooms(): Promise<RoomSummary[]> {
    const rooms = await this.joinedRooms();
    return Promise.all(
      rooms.map(async (room) => {
        const [summary, names] = await Promise.all([this.roomSummary(room), this.names(room)]);
        return roomSummaryView(summary, names);
      }),
    );
  }

  /** The rooms this browser is in (not left), in the room list's order. */
  async joinedRooms(): Promise<RoomId[]> {
    return (await this.db.rooms.toArray()).filter((r) => !r.left).map((r) => r.room);
  }

  /**
   * What the room list shows of one room, but its last author's name (see `names`). One
   * readonly transaction: its reads (five or more) cost one transaction's overhead in the
   * worker and the browser's storage, not one each; it re-runs with every message of its
   * room (docs/benchmarks.md: 20 → 8 transactions per message sent, with `live-views`).
   */
  async roomSummary(room: RoomId): Promise<RoomSummaryRow> {
    const db = this.db;
    return db.transaction('r', [db.roomViews, db.messages, db.reads], async () => {
      const [view, last, { unread, mentions }] = await Promise.all([
        db.roomViews.get(room),
        this.range(room).last(),
        this.unread(room),
      ]);
      return {
        room,
        name: view?.name ?? room,
        unread,
        mentions,
        last: last
          ? { author: last.author, text: preview(last.text), ts: last.ts, deleted: last.deleted }
          : null,
      };
    });
  }

  /**
   * Local search through the word index: the longest word of the query picks candidates
   * by prefix, then each must hold every word (the last one as a prefix, as one types).
   */
  async search(query: string, limit: number): Promise<SearchHit[]> {
    const terms = searchWords(query);
    if (terms.length === 0) return [];
    const probe = terms.reduce((a, b) => (b.length > a.length ? b : a));
    const last = terms.length - 1;
    const rows = await this.db.messages
      .where('words')
      .startsWith(probe)
      .distinct()
      .filter(
        (row) =>
          !row.deleted &&
          terms.every((term, i) =>
            i === last ? row.words.some((w) => w.startsWith(term)) : row.words.includes(term),
          ),
      )
      .limit(SEARCH_SCAN_MAX)
      .toArray();
    const joined = new Set(
      (await this.db.rooms.toArray()).filter((r) => !r.left).map((r) => r.room),
    );
    const hits = rows
      .filter((row) => joined.has(row.room))
      .sort((a, b) => b.ts - a.ts)
      .slice(0, limit);
    const byRoom = new Map<RoomId, Map<AuthorId, string>>();
    const roomNames = new Map<RoomId, string>();
    for (const room of new Set(hits.map((h) => h.room))) {
      byRoom.set(room, await this.names(room));
      roomNames.set(room, (await this.db.roomViews.get(room))?.name ?? room);
    }
    return hits.map((row) => ({
      id: row.id,
      room: row.room,
      roomName: roomNames.get(row.room)!,
      authorName: byRoom.get(row.room)?.get(row.author) ?? fallbackName(row.author),
      text: preview(row.text),
      ts: row.ts,
    }));
  }

  async summary(id: EventId): Promise<SearchHit | null> {
    const row = await this.db.messages.get(id);
    if (!row) return null;
    const names = await this.names(row.room);
    return {
      id: row.id,
      room: row.room,
      roomName: (await this.db.roomViews.get(row.room))?.name ?? row.room,
      authorName: names.get(row.author) ?? fallbackName(row.author),
      text: row.deleted ? 'message deleted' : preview(row.text),
      ts: row.ts,
    };
  }

  /** A room's header and members. One readonly transaction, as `roomSummary`. */
  async room(room: RoomId): Promise<RoomView> {
    const db = this.db;
    const [view, state, members, read] = await db.transaction(
      'r',
      [db.roomViews, db.rooms, db.members, db.reads],
      () =>
        Promise.all([
          db.roomViews.get(room),
          db.rooms.get(room),
          db.members.where('[room+author]').between([room, ''], [room, '\uffff']).toArray(),
          db.reads.get([room, this.me]),
        ]),
    );
    const present = memberViews(members, this.me);
    return {
      room,
      name: view?.name ?? room,
      joined: state !== undefined && !state.left,
      members: present,
      readThrough: read?.through ?? null,
    };
  }

  async profile(): Promise<ProfileView> {
    return { author: this.me, name: await this.myName() };
  }

  /**
   * Messages (and changes to them) waiting to be sent: what "N waiting to send" counts.
   * Bookkeeping such as read marks and joins waits in the same outbox, uncounted.
   */
  async pendingCount(): Promise<number> {
    // One read of the outbox rather than a cursor step per entry: it reruns on every write.
    const entries = await this.db.outbox.toArray();
    return entries.filter((e) => e.type === undefined || e.type.startsWith('message.')).length;
  }

  private async myName(): Promise<string | null> {
    const value = (await this.db.meta.get('displayName'))?.value;
    return typeof value === 'string' ? value : null;
  }

  private range(room: RoomId) {
    return this.db.messages
      .where('[room+section+n]')
      .between([room, 0, -Infinity], [room, 1, Infinity]);
  }

  /**
   * Messages of others after the reader's read position and after their own latest
   * message (sending in a room is having read it, as in every chat app), and those that
   * mention them: by id, as bound when sent, so a rename moves no mention (a v1 message
   * binds none). Counted from the newest back, so the cost is what is unread, not what
   * the reader wrote since (a room where only they write costs one row). Their messages
   * still being sent are passed over: one stuck unsent must not hide what came after.
   */
  private async unread(room: RoomId) {
    const read = await this.db.reads.get([room, this.me]);
    const marker = read ? await this.db.messages.get(read.through) : undefined;
    const after = [room, marker?.section ?? 0, marker?.n ?? -Infinity];
    let before = [room, 1, Infinity];
    let unread = 0;
    let mentions = 0;
    // Most often the newest rows settle it: a small first read, larger ones after.
    for (let chunk = UNREAD_FIRST_CHUNK; ; chunk = UNREAD_CHUNK) {
      const rows = await this.db.messages
        .where('[room+section+n]')
        .between(after, before, false, false)
        .reverse()
        .limit(chunk)
        .toArray();
      for (const row of rows) {
        if (row.author === this.me) {
          if (row.section === 0) return { unread, mentions };
          continue;
        }
        if (row.deleted) continue;
        unread++;
        if (row.mentions.includes(this.me)) mentions++;
        // Past this many the list says "999+": counting a room's whole history is not worth it.
        if (unread === UNREAD_MAX) return { unread, mentions };
      }
      const last = rows.at(-1);
      if (!last || rows.length < chunk) return { unread, mentions };
      before = [room, last.section, last.n];
    }
  }

  /** The names of a room's members as shown (see `displayNames`). */
  async names(room: RoomId): Promise<Map<AuthorId, string>> {
    const members = await this.db.members
      .where('[room+author]')
      .between([room, ''], [room, '\uffff'])
      .toArray();
    return displayNames(members);
  }
}

/** A window's rows, as read (see `Queries.timelineRows`). */
export interface TimelineRows {
  rows: MessageRow[];
  /** The messages the rows reply to, by id: null where not held here. */
  quoted: [EventId, MessageRow | null][];
  hasOlder: boolean;
  hasNewer: boolean;
  anchored: boolean;
  arriving: EventId | null;
}

/**
 * The first row (oldest first) past the room's cursor with events missing before it:
 * everything up to the cursor is held and `cursor + 1` is not, so the first row beyond
 * `cursor + 1` has a stretch not yet arrived right above it.
 */
export function arrivingAfterGap(rows: readonly MessageRow[], cursor: number): EventId | null {
  return rows.find((row) => row.seq !== undefined && row.seq > cursor + 1)?.id ?? null;
}

/** A room list entry as read, with its last message's author as an id. */
export interface RoomSummaryRow extends Omit<RoomSummary, 'lastMessage'> {
  last: { author: AuthorId; text: string; ts: number; deleted: boolean } | null;
}

/** A window of history as a reader (`me`) sees it, with the names of its room's members. */
export function timelineView(
  { rows, quoted, ...edges }: TimelineRows,
  names: Map<AuthorId, string>,
  me: AuthorId,
): TimelineView {
  return { messages: messageViews(rows, quoted, names, me), ...edges };
}

function messageViews(
  rows: MessageRow[],
  quoted: [EventId, MessageRow | null][],
  names: Map<AuthorId, string>,
  me: AuthorId,
): MessageView[] {
  const byId = new Map(quoted);
  return rows.map((row) =>
    messageView(row, names, me, row.replyTo && (byId.get(row.replyTo) ?? undefined)),
  );
}

export function roomSummaryView(
  { last, ...summary }: RoomSummaryRow,
  names: Map<AuthorId, string>,
): RoomSummary {
  return {
    ...summary,
    lastMessage: last && {
      authorName: names.get(last.author) ?? fallbackName(last.author),
      text: last.text,
      ts: last.ts,
      deleted: last.deleted,
    },
  };
}

/** A message row as a reader (`me`) sees it, with the names of its room's members. */
export function messageView(
  row: MessageRow,
  names: Map<AuthorId, string>,
  me: AuthorId,
  quoted: MessageRow | undefined | '',
): MessageView {
  const nameOf = (author: AuthorId) => names.get(author) ?? fallbackName(author);
  const view: MessageView = {
    id: row.id,
    room: row.room,
    author: row.author,
    authorName: nameOf(row.author),
    text: row.text,
    ts: row.ts,
    seq: row.seq ?? null,
    state: row.state,
    own: row.author === me,
    edited: row.edited,
    deleted: row.deleted,
    reactions: row.reactions.map((r): ReactionView => ({
      key: r.key,
      count: r.authors.length,
      mine: r.authors.includes(me),
      names: r.authors.map(nameOf),
    })),
  };
  if (row.replyTo) {
    const quote: QuoteView = quoted
      ? {
          id: row.replyTo,
          authorName: nameOf(quoted.author),
          text: preview(quoted.text),
          deleted: quoted.deleted,
        }
      : { id: row.replyTo, authorName: null, text: '', deleted: false };
    view.replyTo = quote;
  }
  if (row.error) view.error = row.error;
  return view;
}

/**
 * The names shown for a room's members. Where two people chose the same name, each gets
 * a short piece of their id after it, so no one can pass for someone else by name.
 */
export function displayNames(members: readonly MemberRow[]): Map<AuthorId, string> {
  const byName = new Map<string, number>();
  for (const m of members) {
    const key = (m.name ?? fallbackName(m.author)).toLocaleLowerCase();
    byName.set(key, (byName.get(key) ?? 0) + 1);
  }
  return new Map(
    members.map((m) => {
      const name = m.name ?? fallbackName(m.author);
      const shared = (byName.get(name.toLocaleLowerCase()) ?? 0) > 1;
      return [m.author, shared ? `${name} (${shortId(m.author)})` : name];
    }),
  );
}

/** Who is in a room now, by name, as a reader (`me`) sees them. */
export function memberViews(members: readonly MemberRow[], me: AuthorId): MemberView[] {
  const names = displayNames(members);
  return members
    .filter((m) => m.member)
    .map((m) => ({ author: m.author, name: names.get(m.author)!, own: m.author === me }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What to call someone who has not chosen a name yet: stable, and different per person. */
export function fallbackName(author: AuthorId): string {
  return `Guest ${shortId(author)}`;
}

function shortId(author: AuthorId): string {
  return author.slice(0, 4);
}

function preview(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS - 1)}…` : line;
}

/** `@Name` as a whole word, ignoring case. */
export function mentionPattern(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])@${escaped}(?![\\p{L}\\p{N}_])`, 'iu');
}
