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
import { relayCounts, relayCountsSince } from '../lib/relay-metrics.ts';
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
    const during = relayCountsSince(before, await relayCounts(target));
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
    await roomFilling(rec, sizes.fanout.joins, run);
  }
}

/**
 * A room filling (a lobby in the morning, or everyone reconnecting after a restart):
 * `joins` people join one room, 100 at a time, each their own author, so each join
 * changes who is online. Baseline: the same sockets as one author, so none does.
 */
async function roomFilling(rec: Recorder, joins: number, run: number): Promise<void> {
  const at = `${joins.toLocaleString('en-US')} people join one room`;
  for (const oneAuthor of [false, true]) {
    const relay = await startRelay();
    const host = await WorkerProcess.start('subscribers.ts');
    try {
      const cpuBefore = cpuSeconds(relay.pid);
      const got = await host.call<{ bytes: number; presenceFrames: number }>('join', {
        url: relay.sync,
        count: joins,
        room: ROOM,
        oneAuthor,
        // Past the last presence frame held back for its interval.
        settleMs: 1500,
      });
      const cpu = cpuSeconds(relay.pid) - cpuBefore;
      rec.detail(`fanout.join.run${run}.${oneAuthor ? 'oneAuthor' : 'each'}`, got);
      const label = oneAuthor ? `baseline: the same sockets as one author` : at;
      const id = `fanout.join${oneAuthor ? '.baseline' : ''}`;
      rec.add({ id: `${id}.cpu`, section: SECTION, label: `${label}: relay CPU`, unit: 's' }, cpu);
      rec.add(
        { id: `${id}.mb`, section: SECTION, label: `${label}: MB they received`, unit: 'MB' },
        got.bytes / 1e6,
      );
    } finally {
      await host.stop();
      await relay.dispose();
    }
  }
}
