import type { Target } from './relay.ts';

/**
 * Counters from the relay's /metrics that tell a tail's cause: forwards (push → handed to
 * every socket) and commits, their time in all and how many took over 25 and 50 ms, and
 * garbage collections by kind.
 * Empty for the bare forwarder, which has none.
 */
export async function relayCounts(target: Target): Promise<Record<string, number>> {
  if (target.name !== 'Kafky relay') return {};
  const text = await (await fetch(`${target.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  const pick = (key: string, pattern: RegExp) => {
    const value = pattern.exec(text)?.[1];
    if (value !== undefined) counts[key] = Number(value);
  };
  for (const [key, metric] of [
    ['forwards', 'kafky_fanout_latency_seconds'],
    ['commits', 'kafky_commit_seconds'],
  ] as const) {
    pick(key, new RegExp(`^${metric}_count (\\S+)$`, 'm'));
    pick(`${key}.seconds`, new RegExp(`^${metric}_sum (\\S+)$`, 'm'));
    pick(`${key}Over25ms`, new RegExp(`^${metric}_bucket\\{le="0.025"\\} (\\S+)$`, 'm'));
    pick(`${key}Over50ms`, new RegExp(`^${metric}_bucket\\{le="0.05"\\} (\\S+)$`, 'm'));
  }
  for (const kind of ['minor', 'major', 'incremental']) {
    pick(
      `gc.${kind}`,
      new RegExp(`^nodejs_gc_duration_seconds_count\\{kind="${kind}"\\} (\\S+)$`, 'm'),
    );
    pick(
      `gc.${kind}.seconds`,
      new RegExp(`^nodejs_gc_duration_seconds_sum\\{kind="${kind}"\\} (\\S+)$`, 'm'),
    );
  }
  return counts;
}

/** What happened between two readings of `relayCounts`; "over" counts turned from buckets. */
export function relayCountsSince(before: Record<string, number>, after: Record<string, number>) {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) delta[key] = value - (before[key] ?? 0);
  for (const key of ['forwards', 'commits']) {
    for (const over of ['Over25ms', 'Over50ms']) {
      // A bucket counts those at or under its bound: the rest are over it.
      if (delta[key + over] !== undefined) delta[key + over] = delta[key]! - delta[key + over]!;
    }
  }
  return delta;
}
