import { DEFAULT_ROOM } from '../shared/index.ts';
import { expect, messageItem, openChat, test } from './fixtures.ts';
import { history, replyTo, seedRoom } from './seed.ts';

// The seed pushes thousands of events as one device at once, far past the relay's rate.
test.use({ relayEnv: { KAFKY_EVENTS_PER_SECOND: '0' } });

/** Set KAFKY_E2E_HISTORY=100000 for the full size; the default keeps `npm test` quick. */
const COUNT = Number(process.env.KAFKY_E2E_HISTORY ?? 20_000);

test(`a room of ${COUNT} messages opens at its latest, pages older ones in, and jumps far up`, async ({
  browser,
  relay,
}) => {
  test.setTimeout(300_000);
  const events = history(DEFAULT_ROOM, COUNT);
  await seedRoom(relay, DEFAULT_ROOM, [
    ...events,
    replyTo(DEFAULT_ROOM, events[5]!.id, 'About the fifth one'),
  ]);

  const context = await browser.newContext();
  const page = await openChat(context, relay);
  const log = page.getByRole('log');
  // The relay sends the newest events first: the latest messages show while the history
  // is still arriving above them, and the place where it will be is marked until it is in.
  await expect(messageItem(page, 'About the fifth one')).toBeVisible({ timeout: 60_000 });
  await expect(messageItem(page, `history #${COUNT - 1}`)).toBeVisible();
  const arriving = log
    .getByRole('separator')
    .filter({ hasText: 'Earlier messages are still arriving' });
  await expect(arriving).toBeVisible();
  await expect(arriving).toBeHidden({ timeout: 240_000 });
  // Only what is near the viewport is in the DOM.
  expect(await log.getByRole('listitem').count()).toBeLessThan(400);

  // A reload opens at the latest messages straight from IndexedDB.
  await page.reload();
  await expect(messageItem(page, 'About the fifth one')).toBeVisible();
  expect(await log.getByRole('listitem').count()).toBeLessThan(400);

  // Scrolling up pages older messages in.
  const oldest = async () =>
    Number(
      /history #(\d+)/.exec((await log.getByRole('listitem').first().textContent()) ?? '')?.[1],
    );
  const before = await oldest();
  for (let i = 0; i < 5; i++) {
    await log.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect.poll(oldest).toBeLessThan(before - 50 * i);
  }
  expect(await oldest()).toBeLessThan(before - 200);
  expect(await log.getByRole('listitem').count()).toBeLessThan(400);

  // The quote of a reply jumps to a message far up, loading the history around it.
  await page.getByRole('button', { name: 'Jump to latest messages' }).click();
  const reply = messageItem(page, 'About the fifth one');
  await expect(reply).toBeVisible();
  await reply.getByRole('button', { name: /In reply to/ }).click();
  const fifth = messageItem(page, 'history #5').first();
  await expect(fifth).toBeFocused();
  await expect(fifth).toBeInViewport();
  expect(await log.getByRole('listitem').count()).toBeLessThan(400);
});
