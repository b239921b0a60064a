import { compareSortKeys, sortKey, type Projector } from './projector.ts';

/** Who is who in each room: the latest name each author set there, in the room's order. */
export const membersProjector: Projector = {
  name: 'members',
  version: 1,
  async apply(db, event) {
    if (event.type !== 'profile.name-set') return;
    const key = [event.room, event.author] as [typeof event.room, typeof event.author];
    const current = await db.members.get(key);
    if (event.rejected) {
      // A refused rename must not stick; the name it replaced returns with a rebuild.
      if (current?.eventId === event.id) await db.members.delete(key);
      return;
    }
    const order = sortKey(event);
    const isSameEvent = current?.eventId === event.id;
    if (current && !isSameEvent && compareSortKeys(order, current) < 0) return;
    await db.members.put({
      room: event.room,
      author: event.author,
      name: event.payload.name,
      eventId: event.id,
      ...order,
    });
  },
};
