import { createHash } from 'node:crypto';
import { identityFromSecret, newEventId, signEvent, type RoomId } from '../shared/index.ts';
import { expect, messageItem, openChat, test } from './fixtures.ts';

// A bot keeps a secret of its own, its key: the browsers take only what it signed.
const bot = await identityFromSecret(
  createHash('sha256').update('release bot').digest('base64url'),
);
const BOT = bot.author;

/** The body of a POST: the fields of the `message.sent` event the bot signed. */
async function signedMessage(text: string) {
  const draft = {
    id: newEventId(),
    type: 'message.sent',
    v: 2,
    room: 'lobby' as RoomId,
    author: BOT,
    ts: Date.now(),
    payload: { text, mentions: [] },
  };
  const { sig } = await signEvent(draft, bot.privateKey);
  return { id: draft.id, author: BOT, ts: draft.ts, text, sig };
}

test('a bot posts over REST and the message shows live in an open chat', async ({
  browser,
  relay,
}) => {
  const page = await openChat(await browser.newContext(), relay);
  await expect(page.getByRole('heading', { name: 'lobby' })).toBeVisible();
  // Set on this page's window: a reload would lose it.
  await page.evaluate(() => ((window as { notReloaded?: boolean }).notReloaded = true));

  const post = (body: object, key: string) =>
    fetch(`${relay.url}/api/rooms/lobby/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify(body),
    });
  const green = await signedMessage('Build 512 is green');
  const first = await post(green, 'build-512');
  expect(first.status).toBe(201);
  const { event } = (await first.json()) as { event: { id: string; seq: number } };

  await expect(messageItem(page, 'Build 512 is green')).toBeVisible();
  // The bot retries (say, it never saw the answer): the message is stored and shown once.
  const retry = await post(green, 'build-512');
  expect(retry.status).toBe(200);
  expect(((await retry.json()) as { event: { seq: number } }).event.seq).toBe(event.seq);
  const second = await post(await signedMessage('Build 513 is red'), 'build-513');
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
