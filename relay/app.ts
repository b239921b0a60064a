import { upgradeWebSocket } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { WebSocket } from 'ws';
import { createApi, type ApiOptions } from './api/index.ts';
import type { ReadQueries } from './read/queries.ts';
import type { Connection } from './sync/connection.ts';
import type { Hub } from './sync/hub.ts';

export interface AppOptions {
  hub: Hub;
  /** The read side, for the REST API's queries. */
  queries: ReadQueries;
  /** The built site; null to serve only the API and the socket. */
  staticDir: string | null;
  startedAt?: number;
  /** See `ApiOptions.authorize`. */
  authorize?: ApiOptions['authorize'];
}

/** Builds the relay's HTTP app. It never listens: `server.ts` does. */
export function createApp({
  hub,
  queries,
  staticDir,
  startedAt = Date.now(),
  authorize,
}: AppOptions): Hono {
  const app = new Hono();

  app.route('/api', createApi({ hub, queries, startedAt, ...(authorize ? { authorize } : {}) }));

  app.get(
    '/sync',
    upgradeWebSocket(() => {
      let connection: Connection | undefined;
      return {
        onOpen(_event, ws) {
          connection = hub.attach(ws.raw as unknown as WebSocket);
        },
        onMessage(event, _ws) {
          connection?.receive((event as { data: string | ArrayBuffer }).data);
        },
        onClose() {
          connection?.closed();
        },
        onError(error) {
          hub.logger.warn('relay: socket error', {
            error: (error as { message?: string }).message,
          });
        },
      };
    }),
  );

  if (staticDir) serveSite(app, staticDir);
  return app;
}

function serveSite(app: Hono, staticDir: string): void {
  // serveStatic resolves paths against the working directory.
  const root = relative(process.cwd(), staticDir) || '.';
  const index = join(staticDir, 'index.html');
  app.use('*', async (c, next) => {
    await next();
    if (c.req.method !== 'GET' || !c.res.ok || c.req.path.startsWith('/api/')) return;
    // Vite puts a content hash in every asset's name: those can be cached for good.
    const immutable = c.req.path.startsWith('/assets/');
    c.res.headers.set(
      'Cache-Control',
      immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
  });
  app.use('*', serveStatic({ root }));
  if (!existsSync(index)) {
    app.get('*', (c) =>
      c.text(`The site is not built: ${index} is missing. Run "npm run build" first.`, 503),
    );
    return;
  }
  // Any other page is the app itself, which routes on the client.
  app.get('*', serveStatic({ path: relative(process.cwd(), index) }));
}
