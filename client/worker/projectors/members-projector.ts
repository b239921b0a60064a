import type { AuthorId, RoomId } from '../../../shared/index.ts';
import type { MemberRow } from '../db.ts';
import {
  eventsOf,
  sortKey,
  type ProjectedEvent,
  type ProjectionContext,
  type Projector,
} from './projector.ts';

/**
 * Who is who in each room: the latest name each author set there, and whether they are
 * in the room now (opening or joining it puts them in, leaving takes them out).
 */
export const membersProjector: Projector = {
  name: 'members',
  version: 2,
  tables: ['members'],
  types: ['profile.name-set', 'room.created', 'member.joined', 'member.left'],
  async apply(ctx, event) {
    switch (event.type) {
      case 'profile.name-set':
      case 'room.created':
      case 'member.joined':
      case 'member.left':
        return recompute(ctx, event.room, event.author);
      default:
        return;
    }
  },
};

async function recompute(ctx: ProjectionContext, room: RoomId, author: AuthorId): Promise<void> {
  const names = await eventsOf(ctx, room, ['profile.name-set'], author);
  const membership = await eventsOf(
    ctx,
    room,
    ['room.created', 'member.joined', 'member.left'],
    author,
  );
  const row = memberOf(room, author, names, membership);
  if (row) await ctx.db.members.put(row);
  else await ctx.db.members.delete([room, author]);
}

type Of<T extends ProjectedEvent['type']> = Extract<ProjectedEvent, { type: T }>;

/** One author's row from their names and their membership events in a room, in the room's order. */
export function memberOf(
  room: RoomId,
  author: AuthorId,
  names: readonly Of<'profile.name-set'>[],
  membership: readonly Of<'room.created' | 'member.joined' | 'member.left'>[],
): MemberRow | null {
  const name = names.at(-1);
  const last = membership.at(-1);
  if (!name && !last) return null;
  return {
    room,
    author,
    name: name?.payload.name ?? null,
    nameKey: name ? sortKey(name) : null,
    member: last !== undefined && last.type !== 'member.left',
    memberKey: last ? sortKey(last) : null,
  };
}
