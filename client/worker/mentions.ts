import { LIMITS, type AuthorId, type RoomId } from '../../shared/index.ts';
import type { KafkyDb, MemberRow } from './db.ts';
import { displayNames, mentionPattern } from './queries.ts';

/**
 * Who a message's text @mentions, bound now, as `message.sent` v2 records it: the
 * room's members by the names the room shows them under (as the message list
 * highlights them), each once, in the order first mentioned. Where names overlap at one
 * place the longest wins, so "@Ann Lee" is Ann Lee even when an Ann is in the room too.
 */
export function mentionedAuthors(text: string, members: readonly MemberRow[]): AuthorId[] {
  if (!text.includes('@')) return [];
  const shown = displayNames(members);
  const candidates = members
    .filter((member) => member.member)
    .map((member) => ({ author: member.author, name: shown.get(member.author)! }))
    .sort((a, b) => b.name.length - a.name.length);
  const claimed: [number, number][] = [];
  const found: { author: AuthorId; at: number }[] = [];
  for (const { author, name } of candidates) {
    const pattern = new RegExp(mentionPattern(name).source, 'giu');
    for (const match of text.matchAll(pattern)) {
      const start = match.index + (match[1]?.length ?? 0);
      const end = match.index + match[0].length;
      if (claimed.some(([s, e]) => start < e && s < end)) continue;
      claimed.push([start, end]);
      found.push({ author, at: start });
    }
  }
  const ordered = found.sort((a, b) => a.at - b.at).map((f) => f.author);
  return [...new Set(ordered)].slice(0, LIMITS.mentionsMax);
}

/** `mentionedAuthors` over the room's members as this browser holds them now. */
export async function mentionsIn(db: KafkyDb, room: RoomId, text: string): Promise<AuthorId[]> {
  if (!text.includes('@')) return [];
  const members = await db.members
    .where('[room+author]')
    .between([room, ''], [room, '\uffff'])
    .toArray();
  return mentionedAuthors(text, members);
}
