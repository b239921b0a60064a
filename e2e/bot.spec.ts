import { expect, messageItem, openChat, test } from './fixtures.ts';

const BOT = 'release-bot-0001';

test('a bot posts over REST and the message shows live in an open chat', async ({
  browser,
  relay,
}) => {
  const page = await openChat(await browser.newContext(), relay);
  await expect(page.getByRole('heading', { name: 'lobby' })).toBeVisible();
  // Set on this page's window: a reload would lose it.
  await page.evaluate(() => ((window as { notReloaded?: boolean }).notReloaded = true));

  const post = (text: string, key: string) =>
    fetch(`${relay.url}/api/rooms/lobby/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ author: BOT, text }),
    });
  const first = await post('Build 512 is green', 'build-512');
  expect(first.status).toBe(201);
  const { event } = (await first.json()) as { event: { id: string; seq: number } };

  await expect(messageItem(page, 'Build 512 is green')).toBeVisible();
  // The bot retries (say, it never saw the answer): the message is stored and shown once.
  const retry = await post('Build 512 is green', 'build-512');
  expect(retry.status).toBe(200);
  expect(((await retry.json()) as { event: { seq: number } }).event.seq).toBe(event.seq);
  const second = await post('Build 513 is red', 'build-513');
  expect(second.status).toBe(201);
  await expect(messageItem(page, 'Build 513 is red')).toBeVisible();
  await expect(messageItem(page, 'Build 512 is green')).toHaveCount(1);

  expect(await page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded)).toBe(true);
  // The relay's read side agrees with what the browser shows.
  const messages = await fetch(`${relay.url}/api/rooms/lobby/messages`);
  const page1 = (await messages.json()) as { messages: { text: string; author: string }[] };
  expect(page1.messages.map((m) => [m.author, m.text])).toEqual([
    [BOT, 'Build 513 is red'],
    [BOT, 'Build 512 is green'],
  ]);
});
