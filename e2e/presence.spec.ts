import type { Browser, BrowserContext, Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { expect, messageBox, messageItem, openChat, test, type RelayProcess } from './fixtures.ts';

const test2 = test.extend<{
  /**
   * A new browser (context) of the test's own, closed when the test ends and before its
   * relay stops, so no page is left retrying a dead relay.
   */
  newBrowser: (options?: { sharedWorker?: boolean }) => Promise<BrowserContext>;
}>({
  newBrowser: async ({ browser, relay }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async ({ sharedWorker = true } = {}) => {
      const context = await newContext(browser, sharedWorker);
      contexts.push(context);
      return context;
    });
    for (const context of contexts) await context.close();
    void relay;
  },
});

async function newContext(browser: Browser, sharedWorker: boolean): Promise<BrowserContext> {
  const context = await browser.newContext();
  if (!sharedWorker) {
    // A browser like Chrome on Android before 148: each tab runs its own core.
    await context.addInitScript(() => {
      delete (globalThis as { SharedWorker?: unknown }).SharedWorker;
    });
  }
  return context;
}

async function setName(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('button', { name: 'Change name' })).toBeVisible();
}

/** The typing line above the composer. */
function typing(page: Page) {
  return page.locator('kafky-typing-indicator [aria-live="polite"]');
}

/** The room header's "N online", with the names it reads out. */
function online(page: Page) {
  return page.getByText(/^\d+ online/);
}

/** The types of the events in the relay's log, in the order it stored them. */
function storedTypes(relay: RelayProcess): string[] {
  const db = new Database(relay.dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT type FROM events ORDER BY rts, room, seq').all() as {
      type: string;
    }[];
    return rows.map((r) => r.type);
  } finally {
    db.close();
  }
}

/** Every event type Kafky has: anything else in the log would be a leak. */
const KNOWN_TYPES = new Set([
  'member.joined',
  'member.left',
  'message.deleted',
  'message.edited',
  'message.sent',
  'profile.name-set',
  'reaction.set',
  'read.marked',
  'room.created',
  'room.renamed',
]);

/** Well below the composer's 5 s pause and the relay's 6 s time to live. */
const PROMPTLY = { timeout: 3000 };

test2(
  'typing shows while it lasts and goes on send, blur and pause; presence follows who has Kafky open; the log stores none of it',
  async ({ newBrowser, relay }) => {
    const a = await openChat(await newBrowser(), relay);
    const b = await openChat(await newBrowser(), relay);
    await setName(a, 'Alice');
    await setName(b, 'Bob');

    await expect(online(a)).toHaveText('2 online: Alice (you), Bob');
    await expect(online(b)).toHaveText('2 online: Alice, Bob (you)');
    await expect(online(a)).toHaveAttribute('title', 'Alice (you), Bob');
    const before = storedTypes(relay).length;

    // Bob types, without sending.
    await messageBox(b).pressSequentially('Hello Al', { delay: 30 });
    await expect(typing(a)).toHaveText('Bob is typing…');
    // No one is shown their own typing, and the connection stays the only status.
    await expect(typing(b)).toHaveText('');
    await expect(a.getByRole('status')).toHaveCount(1);
    await expect(a.getByRole('status')).toHaveText(/Online/);

    // He sends: it goes at once, not when the signal runs out.
    await messageBox(b).pressSequentially('ice!');
    await messageBox(b).press('Enter');
    await expect(typing(a)).toHaveText('', PROMPTLY);
    await expect(messageItem(a, 'Hello Alice!')).toBeVisible();
    await expect(messageItem(b, 'Hello Alice!')).toContainText('delivered');

    // He types and leaves the box.
    await messageBox(b).pressSequentially('Also', { delay: 30 });
    await expect(typing(a)).toHaveText('Bob is typing…');
    await b.getByRole('heading', { name: 'lobby' }).click();
    await expect(typing(a)).toHaveText('', PROMPTLY);

    // He types and pauses: it goes after the composer's 5 s pause.
    await messageBox(b).pressSequentially('…', { delay: 30 });
    await expect(typing(a)).toHaveText('Bob is typing…');
    await expect(typing(a)).toHaveText('', { timeout: 8000 });

    // Alice types: Bob sees her.
    await messageBox(a).pressSequentially('Hi', { delay: 30 });
    await expect(typing(b)).toHaveText('Alice is typing…');

    // Of all that, the log got the one message (and Alice's read position), nothing else.
    const added = storedTypes(relay).slice(before);
    expect(added.filter((type) => type === 'message.sent')).toHaveLength(1);
    expect(added.filter((type) => type !== 'message.sent' && type !== 'read.marked')).toEqual([]);

    // Bob closes his page: his browser's Kafky goes with it, and he goes offline.
    await b.close();
    await expect(online(a)).toHaveText('1 online: Alice (you)');
    expect(storedTypes(relay).filter((type) => !KNOWN_TYPES.has(type))).toEqual([]);
  },
);

test2(
  "without SharedWorker, a follower tab's typing goes out through the leader, and every tab shows the room's",
  async ({ newBrowser, relay }) => {
    const alice = await newBrowser({ sharedWorker: false });
    const leader = await openChat(alice, relay);
    const follower = await openChat(alice, relay);
    const bob = await openChat(await newBrowser(), relay);
    await setName(follower, 'Alice');
    await setName(bob, 'Bob');

    for (const page of [leader, follower]) {
      await expect(online(page)).toHaveText('2 online: Alice (you), Bob');
    }
    await expect(online(bob)).toHaveText('2 online: Alice, Bob (you)');
    // One socket for Alice's browser, one for Bob's.
    await expect.poll(async () => (await relay.health()).connections).toBe(2);

    await messageBox(follower).pressSequentially('From the follower', { delay: 30 });
    await expect(typing(bob)).toHaveText('Alice is typing…');
    await messageBox(follower).press('Enter');
    await expect(typing(bob)).toHaveText('', PROMPTLY);

    await messageBox(bob).pressSequentially('Bob here', { delay: 30 });
    await expect(typing(leader)).toHaveText('Bob is typing…');
    await expect(typing(follower)).toHaveText('Bob is typing…');
    await messageBox(bob).press('Enter');
    await expect(typing(follower)).toHaveText('', PROMPTLY);
    await expect(typing(leader)).toHaveText('');
  },
);
