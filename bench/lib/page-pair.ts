import type { Page } from '@playwright/test';

/**
 * Baselines in the same pages: how fast a bare message goes from one page to another by
 * a BroadcastChannel (tab to tab) or a bare WebSocket through the bare forwarder (browser
 * to browser), so Kafky's figures stand next to what the platform itself costs.
 */

/** One-way latency of `count` messages from page `from` to page `to` through `send`/`listen`. */
export async function pagePair(
  from: Page,
  to: Page,
  count: number,
  setup: (page: Page, role: 'send' | 'listen') => Promise<void>,
): Promise<number[]> {
  await setup(to, 'listen');
  await setup(from, 'send');
  const sent = await from.evaluate(async (n) => {
    const sentAt: number[] = [];
    const post = (window as unknown as { __post: (i: number) => void }).__post;
    for (let i = 0; i < n; i++) {
      sentAt.push(performance.timeOrigin + performance.now());
      post(i);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return sentAt;
  }, count);
  await to.waitForFunction(
    (n) => (window as unknown as { __got: number[] }).__got.filter(Boolean).length >= n,
    count,
  );
  const got = await to.evaluate(() => (window as unknown as { __got: number[] }).__got);
  return sent.map((t, i) => got[i]! - t);
}

export const broadcastChannel = async (page: Page, role: 'send' | 'listen') => {
  await page.evaluate((r) => {
    const w = window as unknown as { __post: (i: number) => void; __got: number[] };
    const channel = new BroadcastChannel('bench');
    if (r === 'send') w.__post = (i) => channel.postMessage(i);
    w.__got = [];
    channel.onmessage = (e: MessageEvent<number>) =>
      (w.__got[e.data] = performance.timeOrigin + performance.now());
  }, role);
};

export const bareSocket = async (page: Page, role: 'send' | 'listen') => {
  await page.evaluate(async (r) => {
    const w = window as unknown as { __post: (i: number) => void; __got: number[] };
    const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/sync');
    await new Promise((resolve) => (ws.onopen = resolve));
    w.__got = [];
    const caughtUp = new Promise((resolve) => {
      ws.onmessage = (e: MessageEvent<string>) => {
        const m = JSON.parse(e.data) as { type: string; events?: { payload: { text: string } }[] };
        if (m.type === 'caught-up') resolve(null);
        for (const event of m.events ?? [])
          w.__got[Number(event.payload.text)] = performance.timeOrigin + performance.now();
      };
    });
    ws.send(JSON.stringify({ type: 'hello', protocol: 1 }));
    ws.send(JSON.stringify({ type: 'subscribe', room: 'b2b', after: 0 }));
    await caughtUp;
    w.__post = (i) => {
      const event = {
        id: `bench-${r}-${i}`,
        type: 'message.sent',
        v: 1,
        room: 'b2b',
        author: 'bench-author',
        ts: Date.now(),
        payload: { text: String(i) },
      };
      ws.send(JSON.stringify({ type: 'push', events: [event] }));
    };
  }, role);
};
