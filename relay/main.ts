import { existsSync } from 'node:fs';
import { ConfigError, helpText, parseConfig } from './config.ts';
import { SqliteEventLog } from './log/sqlite-event-log.ts';
import { logOnThread } from './log/log-thread-mode.ts';
import { prepareWriter } from './log/writer-thread.ts';
import { backupDatabase } from './ops/backup.ts';
import { createLogger } from './ops/logger.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`kafky relay: ${error.message}`);
    process.exit(2);
  }
  if (config.help) {
    console.log(helpText());
    return;
  }
  if (config.rebuild) {
    await rebuild(config.dbFile);
    return;
  }
  if (config.backupTo !== null) {
    await backup(config.dbFile, config.backupTo);
    return;
  }

  // The log's writer thread loads its code while this thread loads the server's.
  if (logOnThread(config.logThread)) prepareWriter();
  const { startRelay } = await import('./server.ts');
  const logger = createLogger(config.logLevel);
  const relay = await startRelay(config, { logger });
  // For people and for the scripts that wait for it (relay/testing/relay-process.ts).
  console.log(`Kafky relay listening on ${relay.url}`);
  console.log(`  log: ${config.dbFile} (epoch ${relay.log.epoch})`);
  console.log(`  site: ${config.staticDir ?? 'not served (--static none)'}`);
  logger.info('relay: listening', {
    url: relay.url,
    db: config.dbFile,
    epoch: relay.log.epoch,
    static: config.staticDir,
  });

  let closing = false;
  const shutdown = (signal: string) => {
    // A terminal (and tsx, which forwards signals) can deliver the same signal twice.
    if (closing) return;
    closing = true;
    logger.info('relay: draining', { signal });
    relay.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('relay: could not close cleanly', { error: (error as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Copies the database to `target` while the relay may be running; progress on stderr. */
async function backup(dbFile: string, target: string): Promise<void> {
  const { pages, epoch } = await backupDatabase(dbFile, target, (copied, total) => {
    if (copied === total || copied % 10_000 === 0) {
      console.error(`kafky relay: backup: ${copied} of ${total} pages`);
    }
  });
  console.error(
    `kafky relay: backed up ${dbFile} to ${target} (${pages} pages; the copy's epoch is ${epoch})`,
  );
}

/** Rebuilds the read tables from the log in one transaction, progress on stderr. */
async function rebuild(dbFile: string): Promise<void> {
  if (!existsSync(dbFile)) {
    console.error(`kafky relay: there is no log at ${dbFile} to rebuild from`);
    process.exit(2);
  }
  const { rebuildReporter } = await import('./server.ts');
  const progress = rebuildReporter({ warn: (message) => console.error(message) });
  // Opening rebuilds by itself when the read side is of another version: once is enough.
  const log = new SqliteEventLog(dbFile, { onRebuild: progress });
  try {
    if (!log.rebuiltOnOpen) log.readModel.rebuild({ onProgress: progress });
    const failed = log.readModel.failures().length;
    console.error(
      `kafky relay: rebuilt the read tables of ${dbFile}` +
        (failed > 0 ? `; ${failed} events could not be projected (see read_failures)` : ''),
    );
  } finally {
    void log.close();
  }
}

main().catch((error: unknown) => {
  console.error('kafky relay: could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
