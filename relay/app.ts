import { upgradeWebSocket } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { ErrorCode } from '../shared/index.ts';
import { createApi, type ApiOptions } from './api/index.ts';
import { originAllowed } from './ops/origin.ts';
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
  /** Origins whose pages may open a socket; empty or unset: the relay's own. */
  allowedOrigins?: readonly string[];
}

/** Builds the relay's HTTP app. It never listens: `server.ts` does. */
export function createApp({
  hub,
  queries,
  staticDir,
  startedAt = Date.now(),
  authorize,
  allowedOrigins = [],
}: AppOptions): Hono {
  const app = new Hono();

  app.route('/api', createApi({ hub, queries, startedAt, ...(authorize ? { authorize } : {}) }));

  app.get('/metrics', async (c) => {
    c.header('Content-Type', hub.metrics.contentType);
    return c.body(await hub.metrics.text());
  });

  // Refused before the upgrade, with a status and a JSON reason (a browser sees only a failed socket).
  app.get('/sync', async (c, next) => {
    const refuse = (status: 403 | 429 | 503, code: ErrorCode, message: string) => {
      hub.metrics.connectionsRefused.inc({ reason: code });
      hub.logger.info('relay: socket refused', {
        code,
        address: address(c.env as Bindings),
        origin,
      });
      return c.json({ code, message }, status);
    };
    const origin = c.req.header('origin');
    if (!originAllowed(origin, c.req.header('host'), allowedOrigins)) {
      return refuse(403, 'origin_not_allowed', `pages of ${origin} may not open a socket here`);
    }
    if (hub.draining) return refuse(503, 'shutting_down', 'the relay is shutting down');
    if (!hub.admits(address(c.env as Bindings))) {
      return refuse(429, 'too_many_connections', 'too many connections from this address');
    }
    await next();
  });

  app.get(
    '/sync',
    upgradeWebSocket((c) => {
      let connection: Connection | undefined;
      const from = address(c.env as Bindings);
      return {
        onOpen(_event, ws) {
          connection = hub.attach(ws.raw as unknown as WebSocket, from);
        },
        onMessage(event, _ws) {
          connection?.receive((event as { data: string | ArrayBuffer }).data);
        },
        onClose() {
          connection?.closed();
        },
        onError(error) {
          hub.logger.warn('relay: socket error', {
            connection: connection?.id,
            error: (error as { message?: string }).message,
          });
        },
      };
    }),
  );

  if (staticDir) serveSite(app, staticDir);
  return app;
}

/** What @hono/node-server passes as `c.env`: nothing under `app.request()` in tests. */
type Bindings = { incoming?: IncomingMessage } | undefined;

/** The remote address of a request, or '' where there is none. */
function address(env: Bindings): string {
  return env?.incoming?.socket.remoteAddress ?? '';
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
