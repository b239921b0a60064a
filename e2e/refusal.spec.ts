import Database from 'better-sqlite3';
import type { Locator, Page } from '@playwright/test';
import type { RelayProcess } from './fixtures.ts';
import { expect, messageItem, openChat, send, test as base } from './fixtures.ts';

/** The relay's size limit for one event, in bytes of JSON: a 3,000-character message is over it. */
const LIMIT = '2048';

// Every test here gets a fresh environment for its relay, which refuses events over
// `LIMIT` bytes; the relay reads it again when it restarts.
const test = base.extend({
  // eslint-disable-next-line no-empty-pattern -- Playwright wants an object pattern here.
  relayEnv: async ({}, use) => {
    await use({ KAFKY_MAX_EVENT_BYTES: LIMIT });
  },
});

/** A message the relay refuses: over its limit, and under the composer's. */
const LONG = `A long story: ${'once upon a time '.repeat(180)}`.trim();

/** The ids of the events in the relay's log, and the message texts among them. */
function relayLog(relay: RelayProcess): { ids: string[]; texts: string[] } {
  const db = new Database(relay.dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id, type, body FROM events').all() as {
      id: string;
      type: string;
      body: string;
    }[];
    const texts = rows
      .filter((r) => r.type === 'message.sent')
      .map((r) => String((JSON.parse(r.body) as { payload?: { text?: unknown } }).payload?.text));
    return { ids: rows.map((r) => r.id), texts };
  } finally {
    db.close();
  }
}

async function sendRefused(page: Page): Promise<{ item: Locator; id: string }> {
  await send(page, LONG);
  const item = messageItem(page, 'A long story:');
  await expect(item).toHaveAttribute('data-state', 'failed');
  const id = await item.getAttribute('data-id');
  expect(id).toBeTruthy();
  return { item, id: id! };
}

test('a message the relay refuses shows failed with its reason, the room goes on, and Discard removes it', async ({
  browser,
  relay,
}) => {
  expect(LONG.length).toBeGreaterThan(3000);
  const page = await openChat(await browser.newContext(), relay);
  await send(page, 'Short and fine');
  await expect(messageItem(page, 'Short and fine')).toHaveAttribute('data-state', 'delivered');

  const { item, id } = await sendRefused(page);
  // The relay's own words, shown with the message.
  await expect(item.locator('.error')).toContainText(`at most ${LIMIT} bytes`);
  await expect(item.getByRole('button', { name: 'Retry' })).toBeVisible();

  // The refusal does not hold up the room: what comes next is delivered.
  await send(page, 'Still talking');
  await expect(messageItem(page, 'Still talking')).toHaveAttribute('data-state', 'delivered');

  // The refusal and its reason are in this browser's log: they outlive the tab.
  await page.reload();
  await expect(item).toHaveAttribute('data-state', 'failed');
  await expect(item.locator('.error')).toContainText(`at most ${LIMIT} bytes`);

  await item.getByRole('button', { name: 'Discard' }).click();
  await expect(messageItem(page, 'A long story:')).toHaveCount(0);
  // Gone for good here, after a reload too, and never in the relay's log.
  await page.reload();
  await expect(messageItem(page, 'Still talking')).toBeVisible();
  await expect(messageItem(page, 'A long story:')).toHaveCount(0);
  const log = relayLog(relay);
  expect(log.ids).not.toContain(id);
  expect(log.texts).toEqual(['Short and fine', 'Still talking']);
});

test('a refused message is retried once the relay takes it, and delivered', async ({
  browser,
  relay,
  relayEnv,
}) => {
  const page = await openChat(await browser.newContext(), relay);
  const { item, id } = await sendRefused(page);

  // The operator raises the limit; the relay comes back on the same port and database.
  relayEnv.KAFKY_MAX_EVENT_BYTES = String(64 * 1024);
  await relay.restart();
  // Still failed after the reconnect: a refused message is never sent again on its own.
  await expect(page.getByRole('status')).toHaveText(/Online/);
  await expect(item).toHaveAttribute('data-state', 'failed');

  await item.getByRole('button', { name: 'Retry' }).click();
  await expect(item).toHaveAttribute('data-state', 'delivered');
  await expect(item.locator('.error')).toHaveCount(0);
  expect(relayLog(relay).ids).toContain(id);
});
