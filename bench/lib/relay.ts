import type { AnyEvent } from '../../shared/index.ts';
import { SqliteEventLog } from '../../relay/log/sqlite-event-log.ts';
import { RelayProcess } from '../../relay/testing/relay-process.ts';
import { PROFILE_ENV, WorkerProcess, findPid, rssBytes } from './procs.ts';
import { syncUrl } from './wire.ts';

/** The relay's per-device rate and per-address connection limits, lifted (0: no limit). */
const BENCH_LIMITS = {
  KAFKY_EVENTS_PER_SECOND: '0',
  KAFKY_MAX_CONNECTIONS_PER_ADDRESS: '0',
};

/** Something the load generators can talk to: the Kafky relay or the bare forwarder. */
export interface Target {
  name: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  sync: string;
  pid: number;
  rss(): number;
  dispose(): Promise<void>;
}

/**
 * The real relay, `node --import tsx relay/main.ts`, in its own process on a fresh SQLite
 * file. `seed` runs before it starts, with the database file to fill.
 */
export async function startRelay(
  options: {
    staticDir?: string | null;
    seed?: (dbFile: string) => Promise<void>;
    /** Write a CPU profile of the relay here when it exits. */
    cpuProfile?: string;
  } = {},
): Promise<Target> {
  const relay = await RelayProcess.create({
    staticDir: options.staticDir ?? null,
    startTimeoutMs: 60_000,
    stopTimeoutMs: 30_000,
    env: {
      // The load generators are a few processes on one address, each client an author
      // pushing thousands of events a second: the limits that guard against abuse would
      // measure themselves, not the relay.
      ...BENCH_LIMITS,
      ...(options.cpuProfile ? { [PROFILE_ENV]: options.cpuProfile } : {}),
    },
    ...(options.cpuProfile ? { entry: 'bench/workers/relay-profiled.ts' } : {}),
  });
  try {
    await options.seed?.(relay.dbFile);
    await relay.start();
  } catch (error) {
    await relay.dispose().catch(() => {});
    throw error;
  }
  const pid = findPid(relay.dbFile);
  return {
    name: 'Kafky relay',
    url: relay.url,
    sync: syncUrl(relay.url),
    pid,
    rss: () => rssBytes(pid),
    dispose: () => relay.dispose(),
  };
}

/** Baseline (a), in its own process. */
export async function startForwarder(): Promise<Target> {
  const worker = await WorkerProcess.start('forwarder.ts');
  const port = await worker.call<number>('start', null);
  const url = `http://127.0.0.1:${port}`;
  return {
    name: 'bare forwarder',
    url,
    sync: syncUrl(url),
    pid: worker.pid,
    rss: () => rssBytes(worker.pid),
    dispose: () => worker.stop(),
  };
}

/**
 * Fills a relay's log directly, through the relay's own SQLite log class, before it starts:
 * a long history in seconds rather than the minutes it takes over the protocol.
 */
export async function seedLog(dbFile: string, events: readonly AnyEvent[]): Promise<void> {
  const log = new SqliteEventLog(dbFile);
  try {
    for (let i = 0; i < events.length; i += 5000)
      await log.append(events.slice(i, i + 5000), Date.now());
  } finally {
    await log.close();
  }
}
