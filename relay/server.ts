import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { LIMITS } from '../shared/index.ts';
import { createApp } from './app.ts';
import type { RelayConfig } from './config.ts';
import { SqliteEventLog } from './log/sqlite-event-log.ts';
import { ReadQueries } from './read/queries.ts';
import { Hub } from './sync/hub.ts';
import { consoleLogger, type RelayLogger } from './sync/socket.ts';

export interface RunningRelay {
  url: string;
  port: number;
  hub: Hub;
  log: SqliteEventLog;
  close(): Promise<void>;
}

/** Opens the log, builds the app and listens. Resolves once the port is open. */
export async function startRelay(
  config: Pick<RelayConfig, 'port' | 'host' | 'dbFile' | 'staticDir'> &
    Partial<Pick<RelayConfig, 'maxEventBytes'>>,
  options: { logger?: RelayLogger; helloTimeoutMs?: number } = {},
): Promise<RunningRelay> {
  const logger = options.logger ?? consoleLogger;
  const log = new SqliteEventLog(config.dbFile, { onRebuild: rebuildReporter(logger) });
  const hub = new Hub({ log, ...options, maxEventBytes: config.maxEventBytes });
  const app = createApp({
    hub,
    queries: new ReadQueries(log.database),
    staticDir: config.staticDir,
  });
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

/**
 * Reports a rebuild of the read side as it goes: at most every tenth of the log, so a
 * long log shows progress without flooding the output.
 */
export function rebuildReporter(
  logger: Pick<RelayLogger, 'warn'>,
): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (tenth === shown) return;
    shown = tenth;
    logger.warn(`kafky relay: rebuilding the read tables: ${done} of ${total} events`);
  };
}
