/**
 * 4. In the browser: real Chromium, the built site, a relay process. Click Send → the
 * message on screen in the same tab (the eager path); in another tab of the same browser
 * (one SharedWorker; a second window, as a background tab is not painted); in another
 * browser (a second Chromium with its own profile) through the relay: as fast as the
 * sender can go, then at a chat's pace; with the CPU time each browser spends per message.
 * Baselines in the same Chromium: the frame interval, a BroadcastChannel between the two
 * tabs, and a bare WebSocket between the two browsers through the bare forwarder.
 */
import type { Page } from '@playwright/test';
import { freePort } from '../../relay/testing/relay-process.ts';
import { DEFAULT_ROOM } from '../../shared/index.ts';
import { join } from 'node:path';
import type { Context } from '../config.ts';
import {
  collect,
  followLatest,
  inViewShare,
  latencies,
  launchProfile,
  openKafky,
  openKafkyWindow,
  createRooms,
  sendMessages,
  waitSeen,
} from '../lib/browser.ts';
import { browserCpu, cpuSpent } from '../lib/browser-cpu.ts';
import {
  COUNT_IDB_REQUESTS,
  READ_IDB_COUNTS,
  evaluateIn,
  idbTotals,
  profileChromium,
} from '../lib/cdp.ts';
import { traceChromium } from '../lib/trace.ts';
import { TARGETS, type Recorder, type Target } from '../lib/figures.ts';
import { bareSocket, broadcastChannel, pagePair } from '../lib/page-pair.ts';
import { WorkerProcess, sleep } from '../lib/procs.ts';
import { relayCounts, relayCountsSince } from '../lib/relay-metrics.ts';
import { startForwarder, startRelay, type Target as Server } from '../lib/relay.ts';
import { latencySummary, median } from '../lib/stats.ts';

const SECTION = '4. In the browser (Chromium, built site)';

declare global {
  interface Window {
    __benchUpdates?: { count: number; ms: number };
  }
}

/**
 * In the page: counts the message list's updates (Lit's `performUpdate`: willUpdate,
 * render, the DOM commit and updated) and the time they take, from now on.
 */
function countListUpdates(): void {
  const type = customElements.get('kafky-message-list');
  if (!type) throw new Error('no kafky-message-list');
  const proto = type.prototype as { performUpdate: (this: unknown) => void };
  const original = proto.performUpdate;
  const stats = (window.__benchUpdates = { count: 0, ms: 0 });
  proto.performUpdate = function (this: unknown) {
    const start = performance.now();
    try {
      original.call(this);
    } finally {
      stats.count++;
      stats.ms += performance.now() - start;
    }
  };
}

const listUpdates = (page: Page) =>
  page.evaluate(() => window.__benchUpdates ?? { count: NaN, ms: NaN });

/** The median interval between animation frames in a page, over 60 frames. */
async function frameInterval(page: Page): Promise<number> {
  const times = await page.evaluate(
    () =>
      new Promise<number[]>((resolve) => {
        const t: number[] = [];
        const tick = (now: number) => {
          t.push(now);
          if (t.length < 61) requestAnimationFrame(tick);
          else resolve(t);
        };
        requestAnimationFrame(tick);
      }),
  );
  return median(times.slice(1).map((t, i) => t - times[i]!));
}

/**
 * Sends `count` messages from window `a` (each once it is on screen there, then `gapMs`)
 * and waits for them in window `b` (same browser) and page `c` (another browser). A bare
 * socket (`observer`) watching the room tells when the relay forwarded each. Also
 * answers the CPU time each browser spent meanwhile, by process kind, and the relay's
 * own counters (slow forwards and commits, garbage collections) over the same time.
 */
async function pairRun(
  pages: { a: Page; b: Page; c: Page },
  relay: Server,
  observer: WorkerProcess,
  ports: number[],
  kind: string,
  count: number,
  gapMs: number,
) {
  const before = ports.map(browserCpu);
  const counted = await relayCounts(relay);
  await pages.a.evaluate(sendMessages, { kind, count, gapMs });
  const { sent } = await collect(pages.a);
  const keys = Object.keys(sent).filter((k) => k.startsWith(`bench-${kind}-`));
  await waitSeen(pages.b, keys);
  await waitSeen(pages.c, keys);
  // The last acknowledgements and read marks are stored, and count too.
  await sleep(1000);
  const [sender, receiver] = ports.map((port, i) => cpuSpent(before[i]!, browserCpu(port)));
  const inside = relayCountsSince(counted, await relayCounts(relay));
  const passed = await observer.call<Record<string, number>>('arrivals', null);
  const tabSeen = (await collect(pages.b)).seen;
  const seen = (await collect(pages.c)).seen;
  const sentNow = Object.fromEntries(keys.map((k) => [k, sent[k]!]));
  const relayed = keys.filter((k) => passed[k] !== undefined);
  return {
    tab: latencySummary(latencies(sentNow, tabSeen)),
    b2b: latencySummary(latencies(sentNow, seen)),
    out: latencySummary(relayed.map((k) => passed[k]! - sent[k]!)),
    rest: latencySummary(relayed.map((k) => (seen[k]?.frame ?? NaN) - passed[k]!)),
    inView: { tab: inViewShare(sentNow, tabSeen), b2b: inViewShare(sentNow, seen) },
    cpu: { sender: sender!, receiver: receiver! },
    relay: inside,
  };
}

export async function browserLatency(
  rec: Recorder,
  { sizes, site, profile, trace }: Context,
): Promise<void> {
  const { messages, gapMs, paced: pacedCount, paceMs, rooms } = sizes.browser;
  const add = (id: string, label: string, value: number, target?: Target) =>
    rec.add(
      { id: `browser.${id}`, section: SECTION, label, unit: 'ms', ...(target ? { target } : {}) },
      value,
    );
  for (let run = 0; run < sizes.runs; run++) {
    const relay = await startRelay({
      staticDir: site,
      ...(profile ? { cpuProfile: join(profile, `relay-browser-run${run}.cpuprofile`) } : {}),
    });
    const forwarder = await startForwarder();
    const observer = await WorkerProcess.start('subscribers.ts');
    // Debugging ports: to count the SharedWorker's requests, and to profile with --profile.
    const ports = [await freePort(), await freePort()];
    const first = await launchProfile(ports[0]);
    const second = await launchProfile(ports[1]);
    const one = first.context;
    const other = second.context;
    try {
      // The eager path, with one tab open.
      const a = await openKafky(one, relay.url);
      await a.evaluate(sendMessages, { kind: 'eager', count: messages, gapMs });
      const eager = await collect(a);
      const eagerFrame = latencySummary(latencies(eager.sent, eager.seen, 'frame'));
      const eagerDom = latencySummary(latencies(eager.sent, eager.seen, 'dom'));
      add(
        'eager.p50',
        'click Send → own message on screen (next frame), p50',
        eagerFrame.p50,
        TARGETS.eager,
      );
      add('eager.p99', 'click Send → own message on screen (next frame), p99', eagerFrame.p99);
      add('eager.dom.p50', 'click Send → own message in the DOM, p50', eagerDom.p50);
      add('frame', 'baseline: one animation frame in this Chromium', await frameInterval(a));

      // Tab to tab (same browser, one SharedWorker) and browser to browser (through the relay).
      // A bare socket watches the room too: when it gets a message splits the way in two.
      const b = await openKafkyWindow(a, relay.url);
      const cPage = await openKafky(other, relay.url);
      for (const page of [a, b, cPage]) await followLatest(page);
      for (const page of [a, b, cPage]) await page.evaluate(countListUpdates);
      await observer.call('watch', { url: relay.sync, room: DEFAULT_ROOM });
      const profiling = profile
        ? await Promise.all(
            ports.map((port, i) =>
              profileChromium(
                port,
                ['page', 'shared_worker'],
                profile,
                `browser-${i ? 'receiver' : 'sender'}`,
              ),
            ),
          )
        : [];
      const tracing = trace
        ? await Promise.all(
            ports.map((port, i) =>
              traceChromium(port, trace, `browser-${i ? 'receiver' : 'sender'}-run${run}`),
            ),
          )
        : [];
      await evaluateIn(ports[0]!, 'shared_worker', COUNT_IDB_REQUESTS);
      await observer.call('eventTypes', null);
      const pages = { a, b, c: cPage };
      const burst = await pairRun(pages, relay, observer, ports, 'pair', messages, gapMs);
      const counted = await evaluateIn(ports[0]!, 'shared_worker', READ_IDB_COUNTS);
      const byMethod = counted[0] as Record<string, number>;
      const { requests, transactions } = idbTotals(byMethod);
      rec.detail(`browser.run${run}.requestsByMethod`, byMethod);
      const updates = {
        sender: await listUpdates(a),
        tab: await listUpdates(b),
        browser: await listUpdates(cPage),
      };
      rec.detail(`browser.run${run}.listUpdates`, updates);
      const types = await observer.call<Record<string, number>>('eventTypes', null);
      const stored = Object.values(types).reduce((x, y) => x + y, 0);
      rec.detail(`browser.run${run}.eventTypes`, types);
      for (const p of profiling) await p.stop();
      for (const t of tracing) await t.stop();
      rec.detail(`browser.run${run}.inView`, {
        eager: inViewShare(eager.sent, eager.seen),
        ...burst.inView,
      });
      rec.detail(`browser.run${run}.cpu`, burst.cpu);
      rec.detail(`browser.run${run}.relay`, burst.relay);
      add(
        'tab.p50',
        'tab to tab, same browser (a window of its own): p50',
        burst.tab.p50,
        TARGETS.tabP50,
      );
      add('tab.p99', 'tab to tab, same browser (a window of its own): p99', burst.tab.p99);
      add('b2b.p50', 'browser to browser through the relay: p50', burst.b2b.p50, TARGETS.b2bP50);
      add('b2b.p99', 'browser to browser through the relay: p99', burst.b2b.p99, TARGETS.b2bP99);
      add(
        'b2b.out.p50',
        '… of which click → forwarded by the relay (seen by a bare socket), p50',
        burst.out.p50,
      );
      add(
        'b2b.in.p50',
        '… of which forwarded → on screen in the other browser, p50',
        burst.rest.p50,
      );
      const cost = {
        section: SECTION,
        unit: 'per message',
        note: 'two windows + another browser open',
      };
      rec.add(
        {
          id: 'browser.requests',
          label: 'IndexedDB requests in the sender’s SharedWorker',
          ...cost,
        },
        requests / messages,
      );
      rec.add(
        {
          id: 'browser.transactions',
          label: 'IndexedDB transactions in the sender’s SharedWorker',
          ...cost,
        },
        transactions / messages,
      );
      rec.add(
        {
          id: 'browser.events',
          label: 'events the relay stored and forwarded (messages and read marks)',
          ...cost,
        },
        stored / messages,
      );
      for (const [who, label] of [
        ['tab', 'the other window'],
        ['browser', 'the other browser'],
      ] as const) {
        const { count, ms } = updates[who];
        rec.add(
          {
            id: `browser.updates.${who}`,
            label: `message list updates in ${label}`,
            ...cost,
          },
          count / messages,
        );
        rec.add(
          {
            id: `browser.updateMs.${who}`,
            label: `main-thread time of message list updates in ${label}`,
            ...cost,
            unit: 'ms per message',
          },
          ms / messages,
        );
      }
      for (const [who, label] of [
        ['sender', 'sending browser (two windows)'],
        ['receiver', 'receiving browser'],
      ] as const) {
        rec.add(
          {
            id: `browser.cpu.${who}`,
            label: `CPU time of the ${label}, all its processes`,
            ...cost,
            unit: 'ms per message',
          },
          burst.cpu[who].total / messages,
        );
      }

      // The same at the pace of a lively chat rather than as fast as the sender can go.
      const paced = await pairRun(pages, relay, observer, ports, 'paced', pacedCount, paceMs);
      rec.detail(`browser.run${run}.pacedInView`, paced.inView);
      rec.detail(`browser.run${run}.pacedRelay`, paced.relay);
      console.log(
        `bench: browser to browser at ${paceMs} ms, inside the relay: ${JSON.stringify(paced.relay)}`,
      );
      const pace = `a message every ${paceMs} ms`;
      add('tab.paced.p50', `tab to tab at ${pace}: p50`, paced.tab.p50);
      add('b2b.paced.p50', `browser to browser at ${pace}: p50`, paced.b2b.p50);
      add('b2b.paced.p99', `browser to browser at ${pace}: p99`, paced.b2b.p99);
      add('b2b.paced.out.p50', '… of which click → forwarded by the relay, p50', paced.out.p50);

      // As fast as it goes again, from someone in more rooms than the lobby.
      await createRooms(a, rooms);
      const many = await pairRun(pages, relay, observer, ports, 'rooms', pacedCount, gapMs);
      const inRooms = `in ${rooms + 1} rooms`;
      add('b2b.rooms.p50', `browser to browser, the sender ${inRooms}: p50`, many.b2b.p50);
      rec.add(
        {
          id: 'browser.cpu.sender.rooms',
          label: `CPU time of the sending browser, ${inRooms}`,
          ...cost,
          unit: 'ms per message',
        },
        many.cpu.sender.total / pacedCount,
      );

      const channel = latencySummary(await pagePair(a, b, messages, broadcastChannel));
      add('tab.baseline.p50', 'baseline: BroadcastChannel between the two tabs, p50', channel.p50);
      await Promise.all([a.close(), b.close(), cPage.close()]);

      // A bare WebSocket from page to page through the bare forwarder, in the same two profiles.
      const x = await one.newPage();
      const y = await other.newPage();
      await x.goto(forwarder.url);
      await y.goto(forwarder.url);
      const socket = latencySummary(await pagePair(x, y, messages, bareSocket));
      add(
        'b2b.baseline.p50',
        'baseline: bare WebSocket page to page via the bare forwarder, p50',
        socket.p50,
      );
      add(
        'b2b.baseline.p99',
        'baseline: bare WebSocket page to page via the bare forwarder, p99',
        socket.p99,
      );
    } finally {
      await Promise.all([first.close(), second.close(), observer.stop()]);
      await forwarder.dispose();
      await relay.dispose();
    }
  }
}
