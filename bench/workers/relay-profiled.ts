/**
 * The relay's own entry point (relay/main.ts) under the CPU profiler, for `--profile`
 * runs: RelayProcess runs Node with fixed flags, and `--cpu-prof` is not allowed in
 * NODE_OPTIONS. The profile goes to $KAFKY_BENCH_CPU_PROFILE when the relay exits.
 *
 * The log's writer thread (relay/log/log-worker.ts) does half the relay's work, and the
 * main thread's profiler does not see it: every Worker this process starts gets
 * `--cpu-prof` (allowed in a worker's execArgv), written beside the main thread's profile
 * as `<name>-thread<n>.cpuprofile` when the thread exits.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { basename, dirname } from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import { PROFILE_ENV, profileThisProcess } from '../lib/procs.ts';

profileThisProcess();

const file = process.env[PROFILE_ENV];
if (file) profileWorkers(file);

function profileWorkers(file: string): void {
  const threads = createRequire(import.meta.url)('node:worker_threads') as typeof WorkerThreads;
  const Original = threads.Worker;
  let started = 0;
  threads.Worker = class ProfiledWorker extends Original {
    constructor(entry: string | URL, options: WorkerThreads.WorkerOptions = {}) {
      started += 1;
      const name = basename(file).replace(/\.cpuprofile$/, `-thread${started}.cpuprofile`);
      super(entry, {
        ...options,
        execArgv: [
          ...(options.execArgv ?? []),
          '--cpu-prof',
          `--cpu-prof-dir=${dirname(file)}`,
          `--cpu-prof-name=${name}`,
          '--cpu-prof-interval=200',
        ],
      });
    }
  };
  // The relay imports Worker as an ES module binding: make it see the subclass.
  syncBuiltinESMExports();
}

await import('../../relay/main.ts');
