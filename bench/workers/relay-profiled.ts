/**
 * The relay's own entry point (relay/main.ts) under the CPU profiler, for `--profile`
 * runs: RelayProcess runs Node with fixed flags, and `--cpu-prof` is not allowed in
 * NODE_OPTIONS. The profile goes to $KAFKY_BENCH_CPU_PROFILE when the relay exits.
 */
import { profileThisProcess } from '../lib/procs.ts';

profileThisProcess();
await import('../../relay/main.ts');
