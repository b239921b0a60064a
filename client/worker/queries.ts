import type { AuthorId, RoomId } from '../../shared/index.ts';
import type { MessageView, ProfileView } from '../api.ts';
import type { KafkyDb, MemberRow, MessageRow } from './db.ts';

/** The read side: plain reads of the read models, safe to run inside Dexie's liveQuery. */
export class Queries {
  constructor(
    private readonly db: KafkyDb,
    private readonly me: AuthorId,
  ) {}

  /** The latest `limit` messages of a room, oldest first, in the room's one order. */
  async messages(room: RoomId, limit: number): Promise<MessageView[]> {
    const rows = await this.db.messages
      .where('[room+section+n]')
      .between([room, 0, -Infinity], [room, 1, Infinity])
      .reverse()
      .limit(limit)
      .toArray();
    rows.reverse();
    const authors = [...new Set(rows.map((row) => row.author))];
    const members = await this.db.members.bulkGet(authors.map((author) => [room, author]));
    const names = new Map(
      members.filter((m): m is MemberRow => m !== undefined).map((m) => [m.author, m.name]),
    );
    return rows.map((row) => this.view(row, names.get(row.author)));
  }

  async profile(room: RoomId): Promise<ProfileView> {
    const member = await this.db.members.get([room, this.me]);
    return { author: this.me, name: member?.name ?? null };
  }

  async pendingCount(): Promise<number> {
    return this.db.outbox.count();
  }

  private view(row: MessageRow, name: string | undefined): MessageView {
    const view: MessageView = {
      id: row.id,
      room: row.room,
      author: row.author,
      authorName: name ?? fallbackName(row.author),
      text: row.text,
      ts: row.ts,
      seq: row.seq ?? null,
      state: row.state,
      own: row.author === this.me,
    };
    if (row.error) view.error = row.error;
    return view;
  }
}

/** What to call someone who has not chosen a name yet: stable, and different per person. */
export function fallbackName(author: AuthorId): string {
  return `Guest ${author.slice(0, 4)}`;
}
