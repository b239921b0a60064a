/** Plain statistics over measured samples. Nothing here times anything. */

/** The q-quantile (0..1) of `samples` by nearest rank; NaN when there are none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** p50, p99 and max of one run's latency samples. */
export function latencySummary(samples: readonly number[]): {
  p50: number;
  p99: number;
  max: number;
} {
  return {
    p50: quantile(samples, 0.5),
    p99: quantile(samples, 0.99),
    max: samples.length ? samples.reduce((a, b) => Math.max(a, b), -Infinity) : NaN,
  };
}

/** Several runs of one figure: the median, with the spread. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(runs: readonly number[]): Spread {
  return {
    median: median(runs),
    min: runs.length ? Math.min(...runs) : NaN,
    max: runs.length ? Math.max(...runs) : NaN,
    runs: [...runs],
  };
}

/** Nanoseconds from `process.hrtime.bigint()` (one clock for every process on the machine) to ms. */
export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

/** Milliseconds on the machine's monotonic clock, comparable between processes. */
export function monoMs(): number {
  return nsToMs(process.hrtime.bigint());
}

/** Rounds for display: 3 significant digits, no exponent for ordinary sizes. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}
