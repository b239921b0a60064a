/**
 * 5 and 6, in Chromium: a room of N messages is written at the relay over the protocol
 * (as e2e/seed.ts does); a browser holding nothing opens Kafky and catches up once, timed
 * until the latest message is on screen (the relay sends the newest events first) and
 * until the browser holds every event with its read models (the room's cursor at N, which
 * moves in the transaction that projects); then IndexedDB's size; then cold opens, each a reload, timed from
 * navigation start until the latest messages are on screen (baseline: the app shell's first
 * paint); then one open with the read models marked stale, which rebuilds them all.
 */
import type { Page } from '@playwright/test';
import { freePort } from '../../relay/testing/relay-process.ts';
import { DEFAULT_ROOM } from '../../shared/index.ts';
import type { Context } from '../config.ts';
import { launchProfile, openKafky, waitSeen } from '../lib/browser.ts';
import { FLOOR_LAYOUTS, idbFloor, type FloorLayout } from '../lib/idb-floor.ts';
import { evaluateIn, profileChromium } from '../lib/cdp.ts';
import { TARGETS, type Recorder } from '../lib/figures.ts';
import { WorkerProcess } from '../lib/procs.ts';
import { startRelay } from '../lib/relay.ts';
import { median } from '../lib/stats.ts';

const LATEST = 'bench-latest-1';
const SECTION = '5. Client store (Chromium)';

/** When the latest message was first painted, and the first contentful paint, from navigation start. */
async function paintTimes(page: Page): Promise<{ latest: number; fcp: number }> {
  return page.evaluate((key) => {
    const seen = window.__bench?.seen[key];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
    return { latest: (seen?.frame ?? NaN) - performance.timeOrigin, fcp };
  }, LATEST);
}

/**
 * When the room's cursor reached `n`, from navigation start: every event up to `n` stored
 * and projected (a cursor moves in the transaction that projects what it covers). Read
 * from the page's own connection to the worker's database, every 100 ms; a catch-up that
 * never gets there fails the run after `timeoutMs` rather than hanging it.
 */
async function heldAll(page: Page, room: string, n: number, timeoutMs: number): Promise<number> {
  return page.evaluate(
    async ({ room, n, timeoutMs }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('kafky');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(new Error(String(open.error)));
      });
      const cursor = () =>
        new Promise<number>((resolve, reject) => {
          const request = db.transaction('cursors').objectStore('cursors').get(room);
          request.onsuccess = () => resolve((request.result as { cursor?: number })?.cursor ?? 0);
          request.onerror = () => reject(new Error(String(request.error)));
        });
      const deadline = performance.now() + timeoutMs;
      try {
        for (let held = await cursor(); held < n; held = await cursor()) {
          if (performance.now() > deadline) {
            throw new Error(`the room's cursor stopped at ${held} of ${n} events`);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return performance.now();
      } finally {
        db.close();
      }
    },
    { room, n, timeoutMs },
  );
}

/** What IndexedDB holds for the origin, in bytes, as Chromium's quota manager counts it. */
async function indexedDbBytes(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const estimate = (await navigator.storage.estimate()) as StorageEstimate & {
      usageDetails?: { indexedDB?: number };
    };
    return estimate.usageDetails?.indexedDB ?? estimate.usage ?? NaN;
  });
}

/**
 * Reads the versions the read models were built by, one per projector (`name@version`);
 * with `stale`, first marks them built by version 0, so the worker rebuilds them all
 * when it starts.
 */
async function projectorsMark(page: Page, stale = false): Promise<string> {
  return page.evaluate(
    (mark) =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('kafky');
        open.onerror = () => reject(new Error(String(open.error)));
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('projections', mark ? 'readwrite' : 'readonly');
          const store = tx.objectStore('projections');
          const request = store.getAll();
          let versions = '';
          request.onsuccess = () => {
            const rows = (request.result as { name: string; version: number }[]).filter(
              (row) => row.name !== '*',
            );
            versions = rows.map((row) => `${row.name}@${row.version}`).join(',');
            if (mark) for (const row of rows) store.put({ ...row, version: 0 });
          };
          tx.oncomplete = () => {
            db.close();
            resolve(versions);
          };
          tx.onerror = () => reject(new Error(String(tx.error)));
        };
      }),
    stale,
  );
}

/** Reloads the page and answers when the latest message was painted, from navigation start. */
async function reopen(page: Page): Promise<{ latest: number; fcp: number }> {
  await page.evaluate(() => delete window.__bench);
  await page.reload();
  await waitSeen(page, [LATEST], 10 * 60_000);
  return paintTimes(page);
}

export async function browserHistory(
  rec: Recorder,
  { sizes, site, profile }: Context,
): Promise<void> {
  const n = sizes.history.messages;
  const at = `${n.toLocaleString('en-US')} messages`;
  const add = (id: string, label: string, unit: string, value: number, extra = {}) =>
    rec.add({ id: `history.${id}`, section: SECTION, label, unit, ...extra }, value);
  for (let run = 0; run < sizes.runs; run++) {
    const relay = await startRelay({ staticDir: site });
    const pusher = await WorkerProcess.start('push-clients.ts');
    const port = await freePort();
    const browser = await launchProfile(port);
    try {
      await pusher.call('stream', {
        url: relay.sync,
        room: DEFAULT_ROOM,
        count: n,
        lastText: `${LATEST} is the latest`,
      });
      await pusher.stop();

      const page = await openKafky(browser.context, relay.url);
      const profiling = profile
        ? await profileChromium(
            port,
            ['page', 'shared_worker'],
            profile,
            `history-catchup-run${run}`,
            1000,
          )
        : undefined;
      await waitSeen(page, [LATEST], 30 * 60_000);
      const latestSeconds = (await paintTimes(page)).latest / 1000;
      const catchUp = (await heldAll(page, DEFAULT_ROOM, n, 30 * 60_000)) / 1000;
      await profiling?.stop();
      add(
        'catchup.latest',
        `catch-up of ${at} in Chromium: the latest message on screen`,
        's',
        latestSeconds,
      );
      add(
        'catchup.seconds',
        `catch-up of ${at} in Chromium: every event held, read models built`,
        's',
        catchUp,
        n >= 100_000 ? { target: TARGETS.catchUp100k } : {},
      );
      add('catchup.rate', 'catch-up in Chromium, events', 'events/s', n / catchUp);

      // The size once the writes have settled.
      await page.waitForTimeout(1000);
      const bytes = await indexedDbBytes(page);
      rec.add(
        {
          id: 'history.idb.per10k',
          section: '6. Memory and storage',
          label: `IndexedDB size per 10,000 messages (Chromium, log + read models, room of ${at})`,
          unit: 'MB',
        },
        ((bytes / n) * 10_000) / 1e6,
      );

      // Cold opens. A mark in the worker tells whether a reload really started a new one.
      const opens: number[] = [];
      const shell: number[] = [];
      let warmWorkers = 0;
      for (let i = 0; i < sizes.history.opens; i++) {
        await evaluateIn(port, 'shared_worker', 'self.__benchOld = true');
        const opening =
          profile && i === 0
            ? await profileChromium(port, ['page'], profile, `history-open-run${run}`)
            : undefined;
        const times = await reopen(page);
        await opening?.stop();
        if ((await evaluateIn(port, 'shared_worker', 'self.__benchOld === true')).includes(true))
          warmWorkers += 1;
        opens.push(times.latest);
        shell.push(times.fcp);
      }
      add('open', `open a room of ${at}, cold (reload) → latest on screen`, 'ms', median(opens), {
        ...(n >= 100_000 ? { target: TARGETS.open100k } : {}),
        note: `median of ${opens.length} reloads`,
      });
      add(
        'open.fcp',
        'baseline: the app shell’s first contentful paint on those reloads',
        'ms',
        median(shell),
      );

      // Marked as built by other projectors, the read models are rebuilt when the worker starts.
      const built = await projectorsMark(page, true);
      const stale = await reopen(page);
      const rebuilt = (await projectorsMark(page)) === built;
      add(
        'rebuild.open',
        `open with stale read models: rebuild of ${at} → latest on screen`,
        'ms',
        stale.latest,
      );
      // "Rebuild read models" in the inspector, in the worker already running: the rebuild
      // alone, from the click until it reports done.
      await page.getByRole('button', { name: 'Inspector', exact: true }).click();
      const rebuildProfile = profile
        ? await profileChromium(port, ['shared_worker'], profile, `history-rebuild-run${run}`)
        : undefined;
      const rebuildStart = Date.now();
      await page.getByRole('button', { name: 'Rebuild read models' }).click();
      await page.getByText('Read models rebuilt from the log.').waitFor({ timeout: 10 * 60_000 });
      const rebuildSeconds = (Date.now() - rebuildStart) / 1000;
      await rebuildProfile?.stop();
      add(
        'rebuild',
        `rebuild of ${at} in the worker ("Rebuild read models")`,
        's',
        rebuildSeconds,
        n >= 100_000 ? { target: TARGETS.rebuild100k } : {},
      );
      // The floor: the same rows stored with raw IndexedDB, laid out four ways.
      const floor: Partial<Record<FloorLayout, number>> = {};
      for (const layout of Object.keys(FLOOR_LAYOUTS) as FloorLayout[]) {
        const seconds = (await idbFloor(page, { events: n, page: 500, layout })) / 1000;
        floor[layout] = seconds;
        add(
          `floor.${layout}`,
          `baseline: raw IndexedDB, ${at} in pages of 500, ${FLOOR_LAYOUTS[layout]}`,
          's',
          seconds,
        );
      }
      rec.detail(`history.run${run}`, {
        floor,
        n,
        latestSeconds,
        catchUp,
        bytes,
        opens,
        shell,
        warmWorkers,
        rebuilt,
        stale,
      });
      if (warmWorkers > 0 || !rebuilt) {
        throw new Error(
          `a reload kept its SharedWorker (${warmWorkers}) or did not rebuild (${rebuilt})`,
        );
      }
    } finally {
      await browser.close();
      await pusher.stop();
      await relay.dispose();
    }
  }
}
