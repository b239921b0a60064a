import type { RoomId } from '../../../shared/index.ts';
import type { RoomViewRow } from '../db.ts';
import {
  eventsOf,
  sortKey,
  type ProjectedEvent,
  type ProjectionContext,
  type Projector,
} from './projector.ts';

/** Each room's name (the latest given) and who opened it. */
export const roomsProjector: Projector = {
  name: 'rooms',
  version: 1,
  tables: ['roomViews'],
  types: ['room.created', 'room.renamed'],
  async apply(ctx, event) {
    if (event.type === 'room.created' || event.type === 'room.renamed') {
      await recompute(ctx, event.room);
    }
  },
};

async function recompute(ctx: ProjectionContext, room: RoomId): Promise<void> {
  const row = roomViewOf(room, await eventsOf(ctx, room, ['room.created', 'room.renamed']));
  if (row) await ctx.db.roomViews.put(row);
  else await ctx.db.roomViews.delete(room);
}

/** A room's row from its `room.created` and `room.renamed` events, in the room's order. */
export function roomViewOf(
  room: RoomId,
  named: readonly Extract<ProjectedEvent, { type: 'room.created' | 'room.renamed' }>[],
): RoomViewRow | null {
  const latest = named.at(-1);
  if (!latest) return null;
  return {
    room,
    name: latest.payload.name,
    nameKey: sortKey(latest),
    createdBy: named.find((e) => e.type === 'room.created')?.author ?? null,
  };
}
