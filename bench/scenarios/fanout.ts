/**
 * 2. Fan-out: one room, one publisher, S subscribers each on its own socket (in two
 * processes of their own); publish→receipt latency over every (message, subscriber) pair.
 * The bare forwarder, driven the same way, is the baseline.
 */
import { join } from 'node:path';
import type { RoomId } from '../../shared/index.ts';
import type { Context, Sizes } from '../config.ts';
import { TARGETS, type Recorder } from '../lib/figures.ts';
import { WorkerProcess, cpuSeconds, sleep } from '../lib/procs.ts';
import { startForwarder, startRelay, type Target } from '../lib/relay.ts';
import { latencySummary } from '../lib/stats.ts';

const SECTION = '2. Fan-out';
const ROOM = 'fan-out' as RoomId;
const HOSTS = 2;

async function measure(target: Target, subscribers: number, sizes: Sizes['fanout']) {
  const hosts = await Promise.all(
    Array.from({ length: HOSTS + 1 }, () => WorkerProcess.start('subscribers.ts')),
  );
  const publisher = hosts.pop()!;
  try {
    await Promise.all(
      hosts.map((host, i) =>
        host.call('connect', {
          url: target.sync,
          count: Math.floor(subscribers / HOSTS) + (i < subscribers % HOSTS ? 1 : 0),
          room: ROOM,
        }),
      ),
    );
    await sleep(200);
    const before = await relayCounts(target);
    const cpuBefore = cpuSeconds(target.pid);
    const { acked, ackLatencies } = await publisher.call<{
      acked: number;
      ackLatencies: number[];
    }>('publish', {
      url: target.sync,
      room: ROOM,
      messages: sizes.messages,
      intervalMs: sizes.intervalMs,
    });
    // The target's processor time per message sent, forward and all (less noisy than latency).
    const cpuMs = ((cpuSeconds(target.pid) - cpuBefore) * 1000) / Math.max(1, acked);
    const during = since(before, await relayCounts(target));
    // Whatever is still on its way gets ten seconds, or is reported as missing.
    const expected = acked * subscribers;
    const latencies: number[] = [];
    for (
      const deadline = Date.now() + 10_000;
      latencies.length < expected && Date.now() < deadline;
    ) {
      await sleep(100);
      for (const host of hosts) {
        for (const latency of await host.call<number[]>('collect', null)) latencies.push(latency);
      }
    }
    return {
      ...latencySummary(latencies),
      received: latencies.length / expected,
      ack: latencySummary(ackLatencies),
      cpuMs,
      during,
    };
  } finally {
    await Promise.all([...hosts, publisher].map((h) => h.stop()));
  }
}

/**
 * Counters from the relay's /metrics that tell a tail's cause: forwards (push → handed to
 * every socket) and commits, their time in all and how many took over 25 and 50 ms, and
 * garbage collections by kind.
 * Empty for the bare forwarder, which has none.
 */
async function relayCounts(target: Target): Promise<Record<string, number>> {
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
function since(before: Record<string, number>, after: Record<string, number>) {
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

export async function fanout(rec: Recorder, { sizes, profile }: Context): Promise<void> {
  for (let run = 0; run < sizes.runs; run++) {
    for (const s of sizes.fanout.subscribers) {
      const relay = await startRelay(
        profile ? { cpuProfile: join(profile, `relay-fanout-s${s}-run${run}.cpuprofile`) } : {},
      );
      const kafky = await measure(relay, s, sizes.fanout).finally(() => relay.dispose());
      const forwarder = await startForwarder();
      const bare = await measure(forwarder, s, sizes.fanout).finally(() => forwarder.dispose());
      const at = `${s.toLocaleString('en-US')} subscribers`;
      const add = (id: string, label: string, value: number, extra = {}) =>
        rec.add(
          {
            id: `fanout.s${s}.${id}`,
            section: SECTION,
            label: `${at}: ${label}`,
            unit: 'ms',
            ...extra,
          },
          value,
        );
      add('kafky.p50', 'Kafky relay, publish→receipt p50', kafky.p50);
      add(
        'kafky.p99',
        'Kafky relay, publish→receipt p99',
        kafky.p99,
        s >= 1000 ? { target: TARGETS.fanoutP99 } : {},
      );
      add('kafky.max', 'Kafky relay, publish→receipt max', kafky.max);
      add('fwd.p50', 'bare forwarder, p50', bare.p50);
      add('fwd.p99', 'bare forwarder, p99', bare.p99);
      add('fwd.max', 'bare forwarder, max', bare.max);
      rec.detail(`fanout.s${s}.run${run}.received`, {
        kafky: kafky.received,
        forwarder: bare.received,
      });
      // Where a tail comes from: the publisher's push→ack (the commit), and what the relay's
      // own metrics counted while the messages went out.
      const inside = {
        cpuMsPerMessage: kafky.cpuMs,
        forwarderCpuMsPerMessage: bare.cpuMs,
        ackP50: kafky.ack.p50,
        ackP99: kafky.ack.p99,
        ...kafky.during,
      };
      rec.detail(`fanout.s${s}.run${run}.relay`, inside);
      console.log(`bench: fan-out to ${s}, inside the relay: ${JSON.stringify(inside)}`);
      if (kafky.received < 1)
        throw new Error(`fan-out to ${s}: only ${(kafky.received * 100).toFixed(1)}% arrived`);
    }
  }
}
