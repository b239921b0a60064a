import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MISSING_CHROMIUM_MESSAGE,
  chromiumArgs,
  findChromium,
} from '../../scripts/browser-path.mjs';

/**
 * Times in the pages are `performance.timeOrigin + performance.now()`: sub-millisecond,
 * and on one clock for every page of the machine, so a time taken in one page can be
 * subtracted from one taken in another. Playwright only starts things and collects the
 * times afterwards; its round trips are never inside a measurement.
 */
export interface Seen {
  /** When the message's list item entered the DOM (a MutationObserver callback). */
  dom: number;
  /** The next animation frame after that: the frame that paints it. */
  frame?: number;
  /** Whether, in that frame, the item was inside the list's visible area. */
  inView?: boolean;
}

declare global {
  interface Window {
    __bench?: { seen: Record<string, Seen>; sent: Record<string, number> };
  }
}

/**
 * Headless Chromium stacks its windows, so all but one count as occluded and get an
 * animation frame only about once a second. Two people's windows side by side both
 * paint at the display's rate: so do these.
 */
const VISIBLE = [
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
];

/** A browser as a person has one: its own Chromium process and a profile on disk. */
export interface Profile {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts Chromium on a fresh profile in a temporary directory. On disk, not Playwright's
 * usual in-memory context: IndexedDB then costs what it costs a person. With a debugging
 * port, `profileChromium` can profile its pages and workers.
 */
export async function launchProfile(debuggingPort?: number): Promise<Profile> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(MISSING_CHROMIUM_MESSAGE);
  const dir = await mkdtemp(join(tmpdir(), 'kafky-bench-profile-'));
  const port = debuggingPort ? [`--remote-debugging-port=${debuggingPort}`] : [];
  const context = await chromium.launchPersistentContext(dir, {
    executablePath,
    args: [...chromiumArgs(), ...VISIBLE, ...port],
    headless: true,
  });
  // tsx compiles this harness with esbuild's keepNames, which wraps functions in a
  // `__name(...)` helper; functions handed to the page need it there too.
  await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
  await context.addInitScript(watchMessages);
  return {
    context,
    async close() {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Opens Kafky in a new page of `context` and waits until it is online at the relay. */
export async function openKafky(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('[data-status="online"]').waitFor({ timeout: 60_000 });
  return page;
}

/**
 * Scrolls the message list to its end, as a person reading the latest messages has it, so
 * that it follows new ones. (A window opened on a long room can settle one message short
 * of the end, and then it does not follow: see docs/benchmarks.md.)
 */
export async function followLatest(page: Page): Promise<void> {
  await page.waitForTimeout(500);
  await page.evaluate(() => {
    const list = document
      .querySelector('kafky-app')
      ?.shadowRoot?.querySelector('kafky-message-list');
    const log = list?.shadowRoot?.querySelector('section[role="log"]');
    if (log) log.scrollTop = log.scrollHeight;
  });
}

/**
 * Creates `count` rooms from `page` as a person does (New room, a name, Enter), then goes
 * back to the lobby: a person who chats is in more than one room, and every room they are
 * in is in their room list.
 */
export async function createRooms(page: Page, count: number): Promise<void> {
  const name = page.getByRole('textbox', { name: 'Room name' });
  for (let i = 1; i <= count; i++) {
    await page.getByRole('button', { name: 'New room' }).click();
    await name.fill(`Bench room ${i}`);
    await name.press('Enter');
    await page.getByRole('heading', { name: `Bench room ${i}` }).waitFor();
  }
  await page
    .getByRole('navigation', { name: 'Rooms' })
    .getByRole('link', { name: /lobby/i })
    .click();
  await page.getByRole('heading', { name: /lobby/i }).waitFor();
  await followLatest(page);
}

/**
 * Opens Kafky in a second window of `opener`'s browser (not a tab: a background tab gets
 * no animation frames), and waits until it is online. The window has no opener, as one a
 * person opens from the address bar: Chromium gives it a renderer of its own. A window
 * `opener` scripted open (`shared`) would share its main thread, so each would wait for
 * the other's tasks and frames.
 */
export async function openKafkyWindow(
  opener: Page,
  url: string,
  { shared = process.env.KAFKY_BENCH_SHARED_WINDOW === '1' } = {},
): Promise<Page> {
  const features = `popup,width=1000,height=800${shared ? '' : ',noopener'}`;
  const [page] = await Promise.all([
    opener.waitForEvent('popup'),
    opener.evaluate(([href, f]) => void window.open(href, '_blank', f), [url, features] as const),
  ]);
  await page.locator('[data-status="online"]').waitFor({ timeout: 60_000 });
  return page;
}

/**
 * Watches the page's message list (kafky-app → kafky-message-list, each in its shadow
 * root → section[role=log] ol) for items whose text holds a `bench-<kind>-<n>` marker.
 * Installed as an init script too, so it can watch from the page's first moment.
 */
export function watchMessages(): void {
  const bench = (window.__bench ??= { seen: {}, sent: {} });
  const stamp = () => performance.timeOrigin + performance.now();
  const marker = /bench-[a-z]+-\d+/;
  const check = (el: Element) => {
    const key = marker.exec(el.textContent ?? '')?.[0];
    if (!key || bench.seen[key]) return;
    const seen: Seen = { dom: stamp() };
    bench.seen[key] = seen;
    requestAnimationFrame(() => {
      seen.frame = stamp();
      const item = el.getBoundingClientRect();
      const view = el.closest('section')?.getBoundingClientRect();
      seen.inView = !!view && item.bottom > view.top && item.top < view.bottom;
    });
  };
  // The app may replace the list (say, once it knows the room): follow whichever is current.
  let watched: Element | null = null;
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!(node instanceof Element)) continue;
        if (node.matches('li')) check(node);
        else node.querySelectorAll('li').forEach(check);
      }
    }
  });
  const follow = () => {
    const list = document
      .querySelector('kafky-app')
      ?.shadowRoot?.querySelector('kafky-message-list');
    const ol = list?.shadowRoot?.querySelector('section[role="log"] ol') ?? null;
    if (ol === watched) return;
    observer.disconnect();
    watched = ol;
    if (!ol) return;
    observer.observe(ol, { childList: true, subtree: true });
    ol.querySelectorAll('li').forEach(check);
  };
  // A timer rather than animation frames, so watching does not make the page paint.
  setInterval(follow, 20);
  follow();
}

/**
 * In the page: sends `count` messages with the composer, as a person would (text in the
 * box, then a click on Send), each once the previous one is on screen here and `gapMs`
 * has passed. Records each click's time.
 */
export async function sendMessages({
  kind,
  count,
  gapMs,
}: {
  kind: string;
  count: number;
  gapMs: number;
}) {
  const bench = window.__bench!;
  const stamp = () => performance.timeOrigin + performance.now();
  const composer = document
    .querySelector('kafky-app')!
    .shadowRoot!.querySelector('kafky-composer')!.shadowRoot!;
  const box = composer.querySelector('textarea')!;
  const send = composer.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let i = 0; i < count; i++) {
    const key = `bench-${kind}-${i}`;
    box.value = `${key} says hello to everyone in the room`;
    bench.sent[key] = stamp();
    send.click();
    const deadline = stamp() + 10_000;
    // A 1 ms poll rather than a callback from the watcher: with the sender's main thread
    // idle in between, browser to browser measured 2-3x slower (145 against 55 ms p50 in
    // alternated runs) at the same CPU per message, so from waking up, not from work.
    while (!bench.seen[key]?.frame && stamp() < deadline) await sleep(1);
    await sleep(gapMs);
  }
}

/** Times of each marker: sent here (if it was) and seen here. */
export async function collect(
  page: Page,
): Promise<{ seen: Record<string, Seen>; sent: Record<string, number> }> {
  return page.evaluate(() => window.__bench ?? { seen: {}, sent: {} });
}

/** Waits until the page has seen every one of `keys`, for at most `timeoutMs`. */
export async function waitSeen(page: Page, keys: string[], timeoutMs = 120_000): Promise<void> {
  try {
    await page.waitForFunction(
      (wanted) => wanted.every((k) => window.__bench?.seen[k]?.frame),
      keys,
      {
        timeout: timeoutMs,
        polling: 100,
      },
    );
  } catch (error) {
    const empty: Record<string, Seen> = {};
    const seen = await page.evaluate(() => window.__bench?.seen ?? {}).catch(() => empty);
    const inDom = keys.filter((k) => seen[k]).length;
    const painted = keys.filter((k) => seen[k]?.frame).length;
    throw new Error(
      `${page.url()}: of ${keys.length} messages, ${inDom} reached the DOM and ${painted} a frame ` +
        `within ${timeoutMs / 1000} s (first missing: ${keys.find((k) => !seen[k]?.frame)})`,
      { cause: error },
    );
  }
}

/** One-way latencies (ms) from `sent` times to `seen` times, for every key sent. */
export function latencies(
  sent: Record<string, number>,
  seen: Record<string, Seen>,
  at: 'dom' | 'frame' = 'frame',
): number[] {
  return Object.entries(sent).flatMap(([key, t]) => {
    const time = seen[key]?.[at];
    return time === undefined ? [] : [time - t];
  });
}

/** The share of the `sent` messages that were inside the list's visible area when painted. */
export function inViewShare(sent: Record<string, number>, seen: Record<string, Seen>): number {
  const keys = Object.keys(sent);
  return keys.filter((key) => seen[key]?.inView).length / keys.length;
}
