import { availableParallelism } from 'node:os';

/**
 * Where the relay's log commits. On a writer thread of its own, the fsync of one group
 * commit overlaps the relay's reading, checking and forwarding of the next, but every
 * commit pays two thread hops and a copy of its events; that pays only when a core is
 * free for the thread. On two cores shared with anything else it does not: measured
 * 1.15 – 1.4× the durable ingest at 10 clients with the log on the relay's own thread,
 * about the same at 100 (docs/benchmarks.md).
 */
export const LOG_THREAD_MODES = ['auto', 'on', 'off'] as const;
export type LogThreadMode = (typeof LOG_THREAD_MODES)[number];

/** Cores from which `auto` puts the log on a thread of its own. */
export const THREAD_FROM_CORES = 3;

export function logOnThread(mode: LogThreadMode, cores = availableParallelism()): boolean {
  return mode === 'on' || (mode === 'auto' && cores >= THREAD_FROM_CORES);
}
