import { ConfigError, helpText, parseConfig } from './config.ts';
import { startRelay } from './server.ts';

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

  const relay = await startRelay(config);
  console.log(`Kafky relay listening on ${relay.url}`);
  console.log(`  log: ${config.dbFile} (epoch ${relay.log.epoch})`);
  console.log(`  site: ${config.staticDir ?? 'not served (--static none)'}`);

  let closing = false;
  const shutdown = (signal: string) => {
    // A terminal (and tsx, which forwards signals) can deliver the same signal twice.
    if (closing) return;
    closing = true;
    console.log(`kafky relay: ${signal}, closing`);
    relay.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('kafky relay: could not close cleanly', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('kafky relay: could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
