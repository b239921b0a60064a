import { Hono } from 'hono';
import type { EventLog } from '../log/event-log.ts';
import type { ReadQueries } from '../read/queries.ts';
import { roomAccess } from '../sync/room-access.ts';
import { cursorParam, knownRoom, limitParam } from './params.ts';

export const MESSAGES_PAGE = { fallback: 50, max: 200 } as const;
export const EVENTS_PAGE = { fallback: 100, max: 1000 } as const;
/** A page of raw events stays near this size, as catch-up pages do (but always holds one). */
const EVENTS_PAGE_BYTES = 1024 * 1024;

/**
 * The read side over HTTP: rooms and messages from the read tables, and the raw log for
 * export and audit. Nothing here writes.
 */
export function queryRoutes({ queries, log }: { queries: ReadQueries; log: EventLog }): Hono {
  const routes = new Hono();

  // Only open rooms: a keyed room's very name is for those holding its link.
  routes.get('/rooms', async (c) => {
    const access = roomAccess(log);
    const rooms = queries.rooms();
    const states = await Promise.all(rooms.map((r) => access.state(r.id)));
    return c.json({ rooms: rooms.filter((_, i) => states[i]!.kind !== 'keyed') });
  });

  routes.get('/rooms/:room/messages', (c) => {
    const room = knownRoom(queries, c.req.param('room'));
    const before = cursorParam(c.req.query('before'), 'before', 1);
    const limit = limitParam(c.req.query('limit'), MESSAGES_PAGE);
    const page = queries.messages(room, before === undefined ? { limit } : { before, limit });
    return c.json({ room, ...page });
  });

  routes.get('/rooms/:room/events', async (c) => {
    const room = knownRoom(queries, c.req.param('room'));
    const after = cursorParam(c.req.query('after'), 'after', 0) ?? 0;
    const limit = limitParam(c.req.query('limit'), EVENTS_PAGE);
    const [events, head] = await Promise.all([
      log.read(room, after, { maxEvents: limit, maxBytes: EVENTS_PAGE_BYTES }),
      log.head(room),
    ]);
    const last = events.at(-1)?.seq;
    return c.json({ room, head, events, next: last !== undefined && last < head ? last : null });
  });

  return routes;
}
