import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { LIMITS } from '../shared/index.ts';
import { createApp } from './app.ts';
import type { RelayConfig } from './config.ts';
import { SqliteEventLog } from './log/sqlite-event-log.ts';
import { Hub } from './sync/hub.ts';
import type { RelayLogger } from './sync/socket.ts';

export interface RunningRelay {
  url: string;
  port: number;
  hub: Hub;
  log: SqliteEventLog;
  close(): Promise<void>;
}

/** Opens the log, builds the app and listens. Resolves once the port is open. */
export async function startRelay(
  config: Pick<RelayConfig, 'port' | 'host' | 'dbFile' | 'staticDir'>,
  options: { logger?: RelayLogger; helloTimeoutMs?: number } = {},
): Promise<RunningRelay> {
  const log = new SqliteEventLog(config.dbFile);
  const hub = new Hub({ log, ...options });
  const app = createApp({ hub, staticDir: config.staticDir });
  // Frames up to the protocol's limit get a readable error; far larger ones are cut off by ws.
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.frameBytesMax * 4 });

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const http = serve(
      { fetch: app.fetch, port: config.port, hostname: config.host, websocket: { server: wss } },
      () => resolve(http),
    );
    http.once('error', reject);
  }).catch(async (error: unknown) => {
    await log.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    hub,
    log,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        hub.closeAll();
        wss.close();
        // Idle keep-alive sockets would hold close() open.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await stopped;
        await log.close();
      })();
      return closing;
    },
  };
}
