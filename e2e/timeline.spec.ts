import type { Browser, Locator, Page } from '@playwright/test';
import { DEFAULT_ROOM } from '../shared/index.ts';
import { expect, messageItem, openChat, test, type RelayProcess } from './fixtures.ts';
import { history, seedRoom } from './seed.ts';

/** More than the latest window holds, so the window slides as new messages come. */
const HISTORY = 300;

/** Someone else's messages "news #from" … "news #(to − 1)", arriving a few at a time. */
async function arrive(relay: RelayProcess, from: number, to: number, batch = 5): Promise<void> {
  for (let i = from; i < to; i += batch) {
    const n = Math.min(batch, to - i);
    const events = history(DEFAULT_ROOM, n, Date.now());
    events.forEach((event, k) => Object.assign(event.payload, { text: `news #${i + k}` }));
    await seedRoom(relay, DEFAULT_ROOM, events);
  }
}

/** Where the top of `item` is, relative to the top of the visible part of the log. */
async function offsetInLog(page: Page, item: Locator): Promise<number> {
  const log = await page.getByRole('log').boundingBox();
  const box = await item.boundingBox();
  if (!log || !box) throw new Error('not laid out');
  return box.y - log.y;
}

async function openLongRoom(browser: Browser, relay: RelayProcess) {
  await seedRoom(relay, DEFAULT_ROOM, history(DEFAULT_ROOM, HISTORY));
  const page = await openChat(await browser.newContext(), relay);
  await expect(messageItem(page, `history #${HISTORY - 1}`)).toBeInViewport();
  return page;
}

test('a reader one message short of the end keeps seeing new messages arrive', async ({
  browser,
  relay,
}) => {
  test.setTimeout(120_000);
  const page = await openLongRoom(browser, relay);
  const log = page.getByRole('log');
  // Scrolled so that the latest message is just out of view.
  await log.evaluate((el) => {
    const items = el.querySelectorAll('li[data-id]');
    const last = items[items.length - 1]!;
    const top = last.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
    el.scrollTop = top - el.clientHeight - 2;
  });
  await expect(messageItem(page, `history #${HISTORY - 1}`)).not.toBeInViewport();

  // More new messages than the window holds: each must come into view as it arrives.
  for (let i = 0; i < 200; i += 5) {
    await arrive(relay, i, i + 5);
    await expect(messageItem(page, `news #${i + 4}`)).toBeInViewport();
  }
  await expect(page.getByRole('button', { name: 'Jump to latest messages' })).toHaveCount(0);
  expect(await log.getByRole('listitem').count()).toBeLessThan(400);
});

test('a reader up in the history stays in place, is offered the latest, and gets it', async ({
  browser,
  relay,
}) => {
  test.setTimeout(120_000);
  const page = await openLongRoom(browser, relay);
  const jump = page.getByRole('button', { name: 'Jump to latest messages' });
  const reading = messageItem(page, `history #${HISTORY - 60}`);
  await reading.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const top = await offsetInLog(page, reading);

  await arrive(relay, 0, 5);
  await expect(page.getByRole('link', { name: /news #4/ })).toBeVisible();
  await expect(jump).toBeVisible();
  await expect(messageItem(page, 'news #4')).not.toBeInViewport();

  // So many that the message being read leaves the latest window: the view must not move.
  await arrive(relay, 5, 200, 15);
  await expect(page.getByRole('link', { name: /news #199/ })).toBeVisible();
  await expect(reading).toBeInViewport();
  await expect.poll(async () => Math.abs((await offsetInLog(page, reading)) - top)).toBeLessThan(2);
  await expect(messageItem(page, 'news #199')).not.toBeInViewport();

  await jump.click();
  await expect(messageItem(page, 'news #199')).toBeInViewport();
  await expect(jump).toHaveCount(0);
  // Back at the end, it follows new messages again.
  await arrive(relay, 200, 205);
  await expect(messageItem(page, 'news #204')).toBeInViewport();
});

test('messages sent in quick succession show at once, once each and in order, in every tab', async ({
  browser,
  relay,
}) => {
  const context = await browser.newContext();
  const a = await openChat(context, relay);
  const b = await openChat(context, relay);
  const texts = ['one', 'two', 'two', 'three', 'four'];
  // Send without waiting for each to show: the list shows each before the worker has it.
  await a.evaluate((all) => {
    const composer = document
      .querySelector('kafky-app')!
      .shadowRoot!.querySelector('kafky-composer')!.shadowRoot!;
    const box = composer.querySelector('textarea')!;
    const send = composer.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    for (const text of all) {
      box.value = text;
      send.click();
    }
  }, texts);
  for (const page of [a, b]) {
    const items = page.getByRole('log').getByRole('listitem');
    await expect(items).toHaveText(texts.map((t) => new RegExp(`${t}\\s`)));
    // Once stored, and then delivered, each is still shown once.
    await expect(items.filter({ hasText: 'delivered' })).toHaveCount(texts.length);
    await expect(items).toHaveCount(texts.length);
  }
});
