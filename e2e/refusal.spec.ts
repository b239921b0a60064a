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

test('a room the relay refuses to create is left here, and the person is told why until dismissed', async ({
  browser,
  relay,
  relayEnv,
}) => {
  const page = await openChat(await browser.newContext(), relay);
  // Joining the lobby put a member.joined in the log: a limit just above its size takes
  // joins and refuses a room.created whose long name makes it larger.
  await expect.poll(() => joinedSizes(relay).length).toBeGreaterThan(0);
  const limit = Math.max(...joinedSizes(relay)) + 40;
  relayEnv.KAFKY_MAX_EVENT_BYTES = String(limit);
  await relay.restart();
  await expect(page.getByRole('status')).toHaveText(/Online/);

  const name = 'ж'.repeat(80);
  await page.getByRole('button', { name: 'New room' }).click();
  await page.getByRole('textbox', { name: 'Room name' }).fill(name);
  await page.getByRole('button', { name: 'Create room' }).click();

  const failures = page.getByRole('list', { name: 'Failed commands' });
  const notice = failures.getByRole('listitem');
  await expect(notice).toContainText(`Creating the room “${name}” failed`);
  await expect(notice).toContainText(`at most ${limit} bytes`);
  // Back in the lobby: the room on screen was never made.
  await expect(page).toHaveURL(/#\/r\/lobby$/);
  const rooms = page.getByRole('navigation', { name: 'Rooms' });
  await expect(rooms.getByRole('link', { name: new RegExp(name) })).toHaveCount(0);

  // Kept until read: a reload still says it.
  await page.reload();
  await expect(notice).toContainText(`Creating the room “${name}” failed`);
  await notice.getByRole('button', { name: `Dismiss: Creating the room “${name}” failed` }).click();
  await expect(notice).toHaveCount(0);
  await page.reload();
  await expect(rooms.getByRole('link').first()).toBeVisible();
  await expect(notice).toHaveCount(0);
  // Nothing of the room reached the log: its first step was refused whole.
  expect(relayRooms(relay)).toEqual(['lobby']);
});

/** The rooms the relay's log has events of. */
function relayRooms(relay: RelayProcess): string[] {
  const db = new Database(relay.dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT DISTINCT room FROM events').all() as { room: string }[];
    return rows.map((r) => r.room);
  } finally {
    db.close();
  }
}

/** The size in bytes of each member.joined event in the relay's log. */
function joinedSizes(relay: RelayProcess): number[] {
  const db = new Database(relay.dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT body FROM events WHERE type = 'member.joined'`).all() as {
      body: string;
    }[];
    return rows.map((r) => Buffer.byteLength(r.body, 'utf8'));
  } finally {
    db.close();
  }
}
