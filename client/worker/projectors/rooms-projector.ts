import type { RoomId } from '../../../shared/index.ts';
import type { KafkyDb } from '../db.ts';
import { eventsOf, sortKey, type Projector } from './projector.ts';

/** Each room's name (the latest given) and who opened it. */
export const roomsProjector: Projector = {
  name: 'rooms',
  version: 1,
  types: ['room.created', 'room.renamed'],
  async apply(db, event) {
    if (event.type === 'room.created' || event.type === 'room.renamed') {
      await recompute(db, event.room);
    }
  },
};

async function recompute(db: KafkyDb, room: RoomId): Promise<void> {
  const named = await eventsOf(db, room, ['room.created', 'room.renamed']);
  const latest = named.at(-1);
  if (!latest) {
    await db.roomViews.delete(room);
    return;
  }
  await db.roomViews.put({
    room,
    name: latest.payload.name,
    nameKey: sortKey(latest),
    createdBy: named.find((e) => e.type === 'room.created')?.author ?? null,
  });
}
