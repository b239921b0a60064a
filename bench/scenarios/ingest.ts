/**
 * 1 and 7. Durable ingest at the relay, next to (a) the bare forwarder driven by the same
 * load generators and (b) raw SQLite inserts of the same rows, batched as the relay's group
 * commit batched them, at each client count.
 */
import { join } from 'node:path';
import type { Context, Sizes } from '../config.ts';
import { TARGETS, type Recorder } from '../lib/figures.ts';
import { WorkerProcess, cpuSeconds } from '../lib/procs.ts';
import { startForwarder, startRelay, type Target } from '../lib/relay.ts';
import { latencySummary } from '../lib/stats.ts';

const SECTION = '1. Durable ingest';
const GENERATORS = 2;

interface Load {
  rate: number;
  p50: number;
  p99: number;
  acked: number;
  failures: number;
  eventsPerCommit: number;
  /** The target's CPU use during the run, in cores (1 = one core busy all the time). */
  cpu: number;
}

interface RunResult {
  acked: number;
  seconds: number;
  latencies: number[];
  failures: number;
  eventsPerRts: number;
}

/** K clients, split over the generator processes, push at `target` for the run's duration. */
async function drive(target: Target, clients: number, sizes: Sizes['ingest']): Promise<Load> {
  const generators = await Promise.all(
    Array.from({ length: GENERATORS }, () => WorkerProcess.start('push-clients.ts')),
  );
  try {
    let offset = 0;
    await Promise.all(
      generators.map((g, i) => {
        const count = Math.floor(clients / GENERATORS) + (i < clients % GENERATORS ? 1 : 0);
        const args = { url: target.sync, count, rooms: sizes.rooms, offset };
        offset += count;
        return g.call('connect', args);
      }),
    );
    const cpuBefore = cpuSeconds(target.pid);
    const args = { warmupMs: sizes.warmupMs, durationMs: sizes.durationMs, window: 1, batch: 1 };
    const results = await Promise.all(generators.map((g) => g.call<RunResult>('run', args)));
    const cpu =
      (cpuSeconds(target.pid) - cpuBefore) / (sizes.durationMs / 1000 + sizes.warmupMs / 1000);
    await Promise.all(generators.map((g) => g.call('close', null)));
    const acked = results.reduce((sum, r) => sum + r.acked, 0);
    const latency = latencySummary(results.flatMap((r) => r.latencies));
    return {
      rate: acked / (sizes.durationMs / 1000),
      p50: latency.p50,
      p99: latency.p99,
      acked,
      failures: results.reduce((sum, r) => sum + r.failures, 0),
      eventsPerCommit: results.reduce((sum, r) => sum + r.eventsPerRts, 0) / results.length,
      cpu,
    };
  } finally {
    await Promise.all(generators.map((g) => g.stop()));
  }
}

async function rawSqlite(events: number, batch: number, clients: number, rooms: number) {
  const worker = await WorkerProcess.start('sqlite-insert.ts');
  try {
    const result = await worker.call<{ seconds: number; latencies: number[] }>('run', {
      events,
      batch,
      clients,
      rooms,
    });
    return { rate: events / result.seconds, ...latencySummary(result.latencies) };
  } finally {
    await worker.stop();
  }
}

export async function ingest(rec: Recorder, { sizes, profile }: Context): Promise<void> {
  const s = sizes.ingest;
  for (let run = 0; run < sizes.runs; run++) {
    for (const k of s.clients) {
      const relay = await startRelay(
        profile ? { cpuProfile: join(profile, `relay-ingest-k${k}-run${run}.cpuprofile`) } : {},
      );
      const kafky = await drive(relay, k, s).finally(() => relay.dispose());
      const forwarder = await startForwarder();
      const bare = await drive(forwarder, k, s).finally(() => forwarder.dispose());
      if (kafky.failures || bare.failures) throw new Error(`ingest K=${k}: refused pushes`);
      const batch = Math.max(1, Math.round(Math.min(kafky.eventsPerCommit, k)));
      const raw = await rawSqlite(Math.max(kafky.acked, 1000), batch, k, s.rooms);

      const at = `K=${k}`;
      const add = (id: string, label: string, unit: string, value: number, extra = {}) =>
        rec.add(
          { id: `ingest.k${k}.${id}`, section: SECTION, label: `${at}: ${label}`, unit, ...extra },
          value,
        );
      add('kafky.rate', 'Kafky relay, events acked', 'events/s', kafky.rate);
      add('kafky.p50', 'Kafky relay, ack latency p50', 'ms', kafky.p50);
      add('kafky.p99', 'Kafky relay, ack latency p99', 'ms', kafky.p99);
      add('kafky.cpu', 'Kafky relay, CPU used', 'cores', kafky.cpu);
      // Processor time per event: steadier than a rate on a machine shared with other work.
      add('kafky.cpuPerEvent', 'Kafky relay, CPU per event', 'µs', (kafky.cpu / kafky.rate) * 1e6);
      add(
        'kafky.batch',
        'Kafky relay, events per group commit (upper bound)',
        'events',
        kafky.eventsPerCommit,
      );
      add('fwd.rate', '(a) bare forwarder, events acked', 'events/s', bare.rate);
      add('fwd.p50', '(a) bare forwarder, ack latency p50', 'ms', bare.p50);
      add('fwd.p99', '(a) bare forwarder, ack latency p99', 'ms', bare.p99);
      add(
        'fwd.cpuPerEvent',
        '(a) bare forwarder, CPU per event',
        'µs',
        (bare.cpu / bare.rate) * 1e6,
      );
      add('raw.rate', `(b) raw SQLite inserts, ${batch} per transaction`, 'events/s', raw.rate);
      add('raw.p99', '(b) raw SQLite, commit latency p99', 'ms', raw.p99);
      add('ratio.fwd', 'Kafky / (a) bare forwarder', '×', kafky.rate / bare.rate, {
        target: TARGETS.ingestRatio,
      });
      add('ratio.raw', 'Kafky / (b) raw SQLite', '×', kafky.rate / raw.rate);
    }
  }
}
