/**
 * 3 and 7. Catch-up: a client holding nothing joins a room of N events (the relay's log
 * filled beforehand) until it holds them all with its read models built. The client is
 * the real core in Node over fake-indexeddb; the baseline is a bare socket that only
 * parses the same pages.
 */
import { DEFAULT_ROOM } from '../../shared/index.ts';
import { join } from 'node:path';
import type { Context } from '../config.ts';
import { TARGETS, type Recorder } from '../lib/figures.ts';
import { WorkerProcess } from '../lib/procs.ts';
import { seedLog, startRelay } from '../lib/relay.ts';
import { history, signHistory } from '../lib/wire.ts';
import { total } from './client-store.ts';

const SECTION = '3. Catch-up (client core in Node + fake-indexeddb)';
const NOTE = 'Node, fake-indexeddb';

interface CoreCatchUp {
  seconds: number;
  cpuSeconds: number;
  perEvent: Record<string, number>;
  bytes: number;
  frames: number;
  rows: number;
}

export async function catchUp(rec: Recorder, { sizes, profile }: Context): Promise<void> {
  const largest = Math.max(...sizes.catchUp.sizes);
  for (let run = 0; run < sizes.runs; run++) {
    for (const n of sizes.catchUp.sizes) {
      const events = await signHistory(history(DEFAULT_ROOM, n));
      const relay = await startRelay({
        seed: (db) => seedLog(db, events),
        ...(profile
          ? { cpuProfile: join(profile, `relay-catchup-n${n}-run${run}.cpuprofile`) }
          : {}),
      });
      const worker = await WorkerProcess.start(
        'core.ts',
        profile ? join(profile, `core-catchup-n${n}-run${run}.cpuprofile`) : undefined,
      );
      try {
        const wire = await worker.call<{ seconds: number; bytes: number; events: number }>(
          'wireCatchUp',
          {
            url: relay.sync,
            room: DEFAULT_ROOM,
          },
        );
        const core = await worker.call<CoreCatchUp>('catchUp', { url: relay.sync, expected: n });
        if (core.rows < n)
          throw new Error(`catch-up of ${n}: only ${core.rows} messages in the read model`);
        const at = `${n.toLocaleString('en-US')} events`;
        const add = (id: string, label: string, unit: string, value: number, extra = {}) =>
          rec.add(
            {
              id: `catchup.n${n}.${id}`,
              section: SECTION,
              label: `${at}: ${label}`,
              unit,
              ...extra,
            },
            value,
          );
        add('seconds', 'client core, until all held and projected', 's', core.seconds, {
          note: NOTE,
          ...(n === largest && n >= 100_000 ? { target: TARGETS.catchUp100k } : {}),
        });
        add('rate', 'client core, events', 'events/s', n / core.seconds, { note: NOTE });
        add(
          'requests',
          'client core, IndexedDB requests per event',
          'requests',
          total(core.perEvent),
        );
        add('bytes', 'bytes on the wire per event (relay→client, payload)', 'B', core.bytes / n);
        add('wire.seconds', 'baseline: bare socket, only parsing the pages', 's', wire.seconds);
        add('wire.rate', 'baseline: bare socket, events', 'events/s', n / wire.seconds);
        rec.detail(`catchup.n${n}.run${run}`, { core, wire });
      } finally {
        await worker.stop();
        await relay.dispose();
      }
    }
  }
}
