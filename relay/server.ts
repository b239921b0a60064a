import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { createApp } from './app.ts';
import type { RelayConfig } from './config.ts';
import { logOnThread } from './log/log-thread-mode.ts';
import { SqliteEventLog } from './log/sqlite-event-log.ts';
import { ThreadedEventLog } from './log/threaded-event-log.ts';
import { DEFAULT_LIMITS, type RelayLimits } from './ops/limits.ts';
import { createLogger } from './ops/logger.ts';
import { RelayMetrics } from './ops/metrics.ts';
import { ReadQueries } from './read/queries.ts';
import { Hub } from './sync/hub.ts';
import type { RelayLogger } from './sync/socket.ts';

/** How long a shutdown waits for clients to answer the close before cutting them off. */
const CLOSE_GRACE_MS = 2000;

export interface RunningRelay {
  url: string;
  port: number;
  hub: Hub;
  log: ThreadedEventLog | SqliteEventLog;
  close(): Promise<void>;
}

/** Opens the log, builds the app and listens. Resolves once the port is open. */
export async function startRelay(
  config: Pick<RelayConfig, 'port' | 'host' | 'dbFile' | 'staticDir'> &
    Partial<Pick<RelayConfig, 'allowedOrigins' | 'logLevel' | 'logThread'> & RelayLimits>,
  options: { logger?: RelayLogger; helloTimeoutMs?: number } = {},
): Promise<RunningRelay> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // Set once listening: what a failure of the log closes (then, or as soon as it is set).
  const started: { relay?: RunningRelay; failed?: boolean } = {};
  const closeAfterFailure = () =>
    started.relay?.close().catch((error: unknown) =>
      logger.error('relay: could not close after the log failed', {
        error: (error as Error).message,
      }),
    );
  // Appends (and their fsync) on a thread of their own where a core is free for it;
  // reads and queries stay on this one. Only the hub appends, and it admits each event first.
  const log = logOnThread(config.logThread ?? 'auto')
    ? await ThreadedEventLog.open(config.dbFile, {
        onRebuild: rebuildReporter(logger),
        onFailure: (error) => {
          // Nothing can be stored any more: close and exit with an error, for a supervisor to restart.
          logger.error('relay: the log failed, closing', { error: error.message });
          process.exitCode = 1;
          started.failed = true;
          void closeAfterFailure();
        },
      })
    : new SqliteEventLog(config.dbFile, { admitted: true, onRebuild: rebuildReporter(logger) });
  // The limits the config sets; the hub gives every other its default.
  const limits: Partial<RelayLimits> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof RelayLimits)[]) {
    if (config[key] !== undefined) limits[key] = config[key];
  }
  const metrics = new RelayMetrics().withProcessMetrics();
  const hub = new Hub({ log, ...options, logger, limits, metrics });
  const app = createApp({
    hub,
    queries: new ReadQueries(log.database),
    staticDir: config.staticDir,
    allowedOrigins: config.allowedOrigins ?? [],
  });
  // Frames up to the limit get a readable error; far larger ones are cut off by ws (1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: hub.limits.maxFrameBytes * 4 });

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
  started.relay = {
    url: `http://${host}:${port}`,
    port,
    hub,
    log,
    close() {
      // Drains: no new sockets or pushes, the commits under way finish and are
      // acknowledged, then every socket is closed with 1001 and the log is closed.
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await hub.drain();
        hub.closeAll();
        await socketsClosed(wss, CLOSE_GRACE_MS);
        wss.close();
        // Idle keep-alive sockets would hold close() open.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await stopped;
        await log.close();
        logger.info('relay: closed', { connections: hub.stats().connections });
      })();
      return closing;
    },
  };
  // The log may have failed while the port was opening.
  if (started.failed) void closeAfterFailure();
  return started.relay;
}

/** Waits for clients to complete the closing handshake, then cuts off those that have not. */
async function socketsClosed(wss: WebSocketServer, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (wss.clients.size > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const socket of wss.clients) socket.terminate();
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
