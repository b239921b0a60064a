import type { AuthorId, RoomId } from '../../../shared/index.ts';
import type { KafkyDb } from '../db.ts';
import { eventsOf, sortKey, type Projector } from './projector.ts';

/** How far each reader has read each room: their latest read mark there. */
export const readsProjector: Projector = {
  name: 'reads',
  version: 1,
  types: ['read.marked'],
  async apply(db, event) {
    if (event.type === 'read.marked') await recompute(db, event.room, event.author);
  },
};

async function recompute(db: KafkyDb, room: RoomId, author: AuthorId): Promise<void> {
  const latest = (await eventsOf(db, room, ['read.marked'], author)).at(-1);
  if (!latest) {
    await db.reads.delete([room, author]);
    return;
  }
  await db.reads.put({ room, author, through: latest.payload.through, key: sortKey(latest) });
}
