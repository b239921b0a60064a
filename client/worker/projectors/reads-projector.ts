import type { AuthorId, RoomId } from '../../../shared/index.ts';
import { eventsOf, sortKey, type ProjectionContext, type Projector } from './projector.ts';

/** How far each reader has read each room: their latest read mark there. */
export const readsProjector: Projector = {
  name: 'reads',
  version: 1,
  tables: ['reads'],
  types: ['read.marked'],
  async apply(ctx, event) {
    if (event.type === 'read.marked') await recompute(ctx, event.room, event.author);
  },
};

async function recompute(ctx: ProjectionContext, room: RoomId, author: AuthorId): Promise<void> {
  const latest = (await eventsOf(ctx, room, ['read.marked'], author)).at(-1);
  if (!latest) {
    await ctx.db.reads.delete([room, author]);
    return;
  }
  await ctx.db.reads.put({ room, author, through: latest.payload.through, key: sortKey(latest) });
}
