import { Hono, type MiddlewareHandler } from 'hono';
import type { ReadQueries } from '../read/queries.ts';
import type { Hub } from '../sync/hub.ts';
import { commandRoutes } from './command-routes.ts';
import { errorHandler, refuse } from './errors.ts';
import { metaRoutes } from './meta-routes.ts';
import { queryRoutes } from './query-routes.ts';
import { roomTokens } from './room-tokens.ts';

export interface ApiOptions {
  hub: Hub;
  queries: ReadQueries;
  startedAt: number;
  /**
   * Runs before every room endpoint (reads and writes), after the room tokens that keyed
   * rooms need (see room-tokens.ts): a place for an operator's own checks.
   */
  authorize?: MiddlewareHandler;
}

const openToAll: MiddlewareHandler = (_c, next) => next();

/** The relay's REST API, mounted at `/api` (see docs/rest-api.md). */
export function createApi({ hub, queries, startedAt, authorize = openToAll }: ApiOptions): Hono {
  const api = new Hono();
  api.onError(errorHandler(hub.logger));
  api.use('/rooms/:room/*', roomTokens(hub));
  api.use('/rooms', authorize);
  api.use('/rooms/*', authorize);
  api.route('/', metaRoutes({ hub, startedAt }));
  api.route('/', queryRoutes({ queries, log: hub.log }));
  api.route('/', commandRoutes({ hub, queries }));
  api.all('*', (c) => refuse('not_found', `no such endpoint: ${c.req.method} ${c.req.path}`));
  return api;
}
