/**
 * 5. The client store in Node over fake-indexeddb: append-and-project (one message per
 * transaction, as the composer sends), and a full rebuild of the read models from the log
 * (`store.rebuild()`), next to the floor of one read of the log and one bulk write.
 * Opening a long room in Chromium is in browser-history.ts.
 */
import { join } from 'node:path';
import type { Context } from '../config.ts';
import { TARGETS, type Recorder } from '../lib/figures.ts';
import { WorkerProcess } from '../lib/procs.ts';

const SECTION = '5. Client store';

/** Requests of every kind, per event (cursor steps count one each). */
export function total(perEvent: Record<string, number>): number {
  return Object.values(perEvent).reduce((a, b) => a + b, 0);
}
const NOTE = 'Node, fake-indexeddb';

export async function clientStore(rec: Recorder, { sizes, profile }: Context): Promise<void> {
  const { appends, rebuild: n } = sizes.store;
  for (let run = 0; run < sizes.runs; run++) {
    const worker = await WorkerProcess.start(
      'core.ts',
      profile ? join(profile, `core-store-run${run}.cpuprofile`) : undefined,
    );
    try {
      const append = await worker.call<{ seconds: number; perEvent: Record<string, number> }>(
        'appendAndProject',
        { count: appends },
      );
      rec.add(
        {
          id: 'store.append',
          section: SECTION,
          label: 'append-and-project, one message per transaction',
          unit: 'events/s',
          note: NOTE,
        },
        appends / append.seconds,
      );
      const rebuilt = await worker.call<{
        seconds: number;
        rows: number;
        floor: number;
        perEvent: Record<string, number>;
      }>('rebuild', { count: n });
      if (rebuilt.rows < n) throw new Error(`rebuild of ${n}: only ${rebuilt.rows} messages`);
      rec.detail(`store.run${run}.requestsPerEvent`, {
        append: append.perEvent,
        rebuild: rebuilt.perEvent,
      });
      rec.add(
        {
          id: 'store.append.requests',
          section: SECTION,
          label: 'IndexedDB requests per message sent',
          unit: 'requests',
        },
        total(append.perEvent),
      );
      rec.add(
        {
          id: 'store.rebuild.requests',
          section: SECTION,
          label: 'IndexedDB requests per event rebuilt',
          unit: 'requests',
        },
        total(rebuilt.perEvent),
      );
      const at = `${n.toLocaleString('en-US')} events`;
      rec.add(
        {
          id: 'store.rebuild',
          section: SECTION,
          label: `rebuild of the read models from ${at} (store.rebuild())`,
          unit: 's',
          note: NOTE,
          ...(n >= 100_000 ? { target: TARGETS.rebuild100k } : {}),
        },
        rebuilt.seconds,
      );
      rec.add(
        {
          id: 'store.rebuild.floor',
          section: SECTION,
          label: `baseline: read ${at} and bulk-write their rows`,
          unit: 's',
          note: NOTE,
        },
        rebuilt.floor,
      );
    } finally {
      await worker.stop();
    }
  }
}
