import { newEventId, type AuthorId, type RoomId } from '../ids.ts';

/** An event of any type and version around `payload`, with a valid envelope: for tests. */
export function sampleEvent(type: string, payload: Record<string, unknown>, v = 1) {
  return {
    id: newEventId(),
    type,
    v,
    room: 'lobby' as RoomId,
    author: 'author-0001' as AuthorId,
    ts: 1_700_000_000_000,
    payload,
  };
}
