import type { MessageRow } from '../db.ts';
import { sortKey, type Projector } from './projector.ts';

/** The conversation of each room, one row per message. */
export const messagesProjector: Projector = {
  name: 'messages',
  version: 1,
  async apply(db, event) {
    if (event.type !== 'message.sent') return;
    const row: MessageRow = {
      id: event.id,
      room: event.room,
      author: event.author,
      text: event.payload.text,
      ts: event.ts,
      state: event.rejected ? 'failed' : event.seq === undefined ? 'pending' : 'delivered',
      ...sortKey(event),
    };
    if (event.seq !== undefined) row.seq = event.seq;
    if (event.rejected) row.error = event.rejected;
    await db.messages.put(row);
  },
};
