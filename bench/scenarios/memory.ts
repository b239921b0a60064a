/**
 * 6. Relay memory: resident set size with 0, 1,000 and 5,000 idle connections (each has
 * said hello and subscribed to a room), and while a stream of messages goes through it to
 * a live subscriber. The bare forwarder, measured the same way, is the baseline.
 */
import type { RoomId } from '../../shared/index.ts';
import type { Context } from '../config.ts';
import { TARGETS, type Recorder } from '../lib/figures.ts';
import { WorkerProcess, sampleRss, sleep } from '../lib/procs.ts';
import { startForwarder, startRelay, type Target } from '../lib/relay.ts';

const SECTION = '6. Memory and storage';
const HOSTS = 2;
const ROOM = 'idle' as RoomId;

/** RSS at each count of idle connections, opened from processes of their own. */
async function idle(target: Target, counts: number[]): Promise<Map<number, number>> {
  const hosts = await Promise.all(
    Array.from({ length: HOSTS }, () => WorkerProcess.start('subscribers.ts')),
  );
  const rss = new Map<number, number>();
  try {
    let open = 0;
    for (const count of [...counts].sort((a, b) => a - b)) {
      const more = count - open;
      await Promise.all(
        hosts.map((host, i) =>
          host.call('connect', {
            url: target.sync,
            count: Math.floor(more / HOSTS) + (i < more % HOSTS ? 1 : 0),
            room: ROOM,
          }),
        ),
      );
      open = count;
      await sleep(1000);
      rss.set(count, target.rss());
    }
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
  return rss;
}

/** RSS before and at its peak while `count` messages go through to one live subscriber. */
async function stream(target: Target, count: number) {
  const subscriber = await WorkerProcess.start('subscribers.ts');
  const pusher = await WorkerProcess.start('push-clients.ts');
  try {
    await subscriber.call('connect', { url: target.sync, count: 1, room: 'stream' });
    await sleep(500);
    const before = target.rss();
    const sampler = sampleRss(target.pid);
    const seconds = await pusher.call<number>('stream', {
      url: target.sync,
      room: 'stream',
      count,
    });
    const samples = sampler.stop();
    return { before, peak: samples.reduce((a, b) => Math.max(a, b), 0), seconds };
  } finally {
    await Promise.all([subscriber.stop(), pusher.stop()]);
  }
}

export async function memory(rec: Recorder, { sizes }: Context): Promise<void> {
  const counts = sizes.memory.idle;
  const most = Math.max(...counts);
  const mb = (bytes: number) => bytes / 1e6;
  for (let run = 0; run < sizes.runs; run++) {
    for (const [name, start] of [
      ['kafky', () => startRelay()],
      ['fwd', startForwarder],
    ] as const) {
      const who = name === 'kafky' ? 'Kafky relay' : 'baseline: bare forwarder';
      const add = (id: string, label: string, unit: string, value: number, extra = {}) =>
        rec.add(
          {
            id: `memory.${name}.${id}`,
            section: SECTION,
            label: `${who}: ${label}`,
            unit,
            ...extra,
          },
          value,
        );
      const target = await start();
      try {
        await sleep(500);
        const rss = await idle(target, counts);
        for (const count of counts)
          add(
            `idle${count}`,
            `RSS with ${count.toLocaleString('en-US')} idle connections`,
            'MB',
            mb(rss.get(count)!),
          );
        const perConnection = (rss.get(most)! - rss.get(0)!) / most / 1000;
        add(
          'perConnection',
          `memory per idle connection (0 → ${most.toLocaleString('en-US')})`,
          'KB',
          perConnection,
          name === 'kafky' ? { target: TARGETS.idleConn } : {},
        );
      } finally {
        await target.dispose();
      }
      // A fresh process, so the idle sockets' memory is not counted again.
      const fresh = await start();
      try {
        const streamed = await stream(fresh, sizes.memory.stream);
        const at = `${sizes.memory.stream.toLocaleString('en-US')} messages`;
        add('stream.peak', `peak RSS while ${at} stream through`, 'MB', mb(streamed.peak));
        add(
          'stream.growth',
          `RSS growth while ${at} stream through`,
          'MB',
          mb(streamed.peak - streamed.before),
        );
        add(
          'stream.rate',
          `throughput of that stream (frames of 100)`,
          'events/s',
          sizes.memory.stream / streamed.seconds,
        );
      } finally {
        await fresh.dispose();
      }
    }
  }
}
