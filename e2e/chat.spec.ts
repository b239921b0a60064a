import type { Page } from '@playwright/test';
import { expect, messageBox, messageItem, openChat, send, test } from './fixtures.ts';

async function setName(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('button', { name: 'Change name' })).toBeVisible();
}

function roomLink(page: Page, name: string | RegExp) {
  return page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name });
}

function messageAction(page: Page, text: string, action: string) {
  return messageItem(page, text).getByRole('button', { name: action, exact: true });
}

test('rooms: create, invite by link, chat, rename, leave', async ({ browser, relay }) => {
  const alice = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const a = await openChat(alice, relay);
  await setName(a, 'Alice');
  await a.getByRole('button', { name: 'New room' }).click();
  await a.getByRole('textbox', { name: 'Room name' }).fill('Book club');
  await a.getByRole('textbox', { name: 'Room name' }).press('Enter');
  await expect(a.getByRole('heading', { name: 'Book club' })).toBeVisible();
  await expect(roomLink(a, /Book club/)).toHaveAttribute('aria-current', 'page');

  await a.getByRole('button', { name: 'Copy invite link' }).click();
  await expect(a.getByText('Invite link copied.')).toBeVisible();
  const invite = await a.evaluate(() => navigator.clipboard.readText());
  // The room's secret rides in the fragment, which no server ever sees.
  expect(invite).toMatch(/#\/r\/[A-Za-z0-9_-]{16}\/[A-Za-z0-9_-]{43}$/);
  // Someone who only knows the room's id gets nothing of it.
  const carol = await (await browser.newContext()).newPage();
  await carol.goto(invite.replace(/\/[A-Za-z0-9_-]{43}$/, ''));

  const bobContext = await browser.newContext();
  const b = await bobContext.newPage();
  await b.goto(invite);
  await expect(b.getByRole('heading', { name: 'Book club' })).toBeVisible();
  // Once joined, the secret is kept in the browser, not in the address bar.
  await expect.poll(() => b.evaluate(() => location.hash)).toMatch(/^#\/r\/[A-Za-z0-9_-]{16}$/);
  await setName(b, 'Bob');
  await expect(a.getByText('2 members')).toBeVisible();

  await send(a, 'First chapter tonight?');
  await expect(messageItem(b, 'First chapter tonight?')).toContainText('Alice');
  await send(b, 'Sure');
  await expect(messageItem(a, 'Sure')).toContainText('Bob');
  await expect(messageItem(carol, 'Sure')).toHaveCount(0);
  await expect(messageItem(carol, 'First chapter tonight?')).toHaveCount(0);
  await expect(carol.getByRole('heading', { name: 'Book club' })).toHaveCount(0);
  // …and is told why, rather than shown a room that merely looks empty.
  await expect(
    carol.getByRole('alert').filter({ hasText: 'closed to this browser' }),
  ).toContainText('invite link');

  await a.getByRole('button', { name: 'Rename room' }).click();
  await a.getByRole('textbox', { name: 'New room name' }).fill('Readers');
  await a.getByRole('button', { name: 'Save room name' }).click();
  await expect(b.getByRole('heading', { name: 'Readers' })).toBeVisible();
  await expect(roomLink(b, /Readers/)).toBeVisible();

  await b.getByRole('button', { name: 'Leave room' }).click();
  await b.getByRole('button', { name: 'Confirm leave' }).click();
  await expect(roomLink(b, /Readers/)).toHaveCount(0);
  await expect(a.getByText('1 member', { exact: true })).toBeVisible();
  // The lobby, where everyone starts, is still there.
  await expect(roomLink(b, /lobby/)).toBeVisible();
});

test('messages: edit, delete, reply and react, seen the same by everyone', async ({
  browser,
  relay,
}) => {
  const a = await openChat(await browser.newContext(), relay);
  const b = await openChat(await browser.newContext(), relay);
  await setName(a, 'Alice');
  await setName(b, 'Bob');

  await send(a, 'Meet at 5');
  await expect(messageItem(a, 'Meet at 5')).toContainText('delivered');
  await messageAction(a, 'Meet at 5', 'Edit').click();
  const editor = a.getByRole('textbox', { name: 'Edit message' });
  await expect(editor).toBeFocused();
  await editor.fill('Meet at 6');
  await editor.press('Enter');
  await expect(messageItem(b, 'Meet at 6')).toContainText('(edited)');
  await expect(messageItem(b, 'Meet at 5')).toHaveCount(0);

  // The reply quotes the original, so "Meet at 6" is in two items from now on: the first
  // is the original.
  const original = (page: Page) => messageItem(page, 'Meet at 6').first();
  // Bob answers it; the quote leads back to the original.
  await messageAction(b, 'Meet at 6', 'Reply').click();
  await expect(b.getByText('Replying to Alice')).toBeVisible();
  await expect(messageBox(b)).toBeFocused();
  await messageBox(b).fill('Works for me');
  await messageBox(b).press('Enter');
  const answer = messageItem(a, 'Works for me');
  await expect(answer).toContainText('In reply to');
  await answer.getByRole('button', { name: /In reply to Alice/ }).click();
  await expect(original(a)).toBeFocused();

  // Reactions: once per person and key, toggled.
  await original(b).getByRole('button', { name: 'React', exact: true }).click();
  await b.getByRole('button', { name: 'React with 👍' }).click();
  const atAlice = original(a).getByRole('button', { name: /^👍 1, from Bob/ });
  await expect(atAlice).toHaveAttribute('aria-pressed', 'false');
  await atAlice.click();
  await expect(original(b).getByRole('button', { name: /^👍 2, from Bob, Alice/ })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await original(b).getByRole('button', { name: /^👍 2/ }).click();
  await expect(original(a).getByRole('button', { name: /^👍 1, from Alice/ })).toHaveAttribute(
    'aria-pressed',
    'true',
  );

  // Deleting keeps a skeleton in its place; the text is gone everywhere.
  await original(a).getByRole('button', { name: 'Delete', exact: true }).click();
  await a.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(b.getByRole('log').getByText('message deleted').first()).toBeVisible();
  await expect(b.getByRole('log')).not.toContainText('Meet at 6');
  await expect(answer).toContainText('message deleted');
  // Only one's own messages can be edited or deleted.
  await expect(messageAction(a, 'Works for me', 'Edit')).toHaveCount(0);
});

test('unread counts per room, in the title, and cleared by reading', async ({ browser, relay }) => {
  const a = await openChat(await browser.newContext(), relay);
  const b = await openChat(await browser.newContext(), relay);
  await setName(a, 'Alice');
  await setName(b, 'Bob');
  await b.getByRole('button', { name: 'New room' }).click();
  await b.getByRole('textbox', { name: 'Room name' }).fill('Elsewhere');
  await b.getByRole('button', { name: 'Create room' }).click();
  await expect(b.getByRole('heading', { name: 'Elsewhere' })).toBeVisible();

  await send(a, 'One');
  await send(a, 'Two, @Bob');
  await expect(roomLink(b, /lobby.*2 unread, 1 mentioning you/)).toBeVisible();
  await expect(b).toHaveTitle('(2) Kafky');

  await roomLink(b, /lobby/).click();
  await expect(messageItem(b, 'Two, @Bob')).toBeVisible();
  await expect(b.getByRole('separator')).toHaveText('New messages');
  await expect(b).toHaveTitle('Kafky');
  await expect(roomLink(b, /lobby/)).not.toContainText('unread');
});

test('hostile text stays text: no script runs, no element is injected', async ({
  browser,
  relay,
}) => {
  const hostile = [
    '<img src=x onerror=alert(1)>',
    '<script>alert(1)</script>',
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    'javascript&#58;alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'Eve\u202Eevil',
  ];
  const a = await openChat(await browser.newContext(), relay);
  const b = await openChat(await browser.newContext(), relay);
  const dialogs: string[] = [];
  for (const page of [a, b]) page.on('dialog', (d) => void dialogs.push(d.message()));

  for (const text of hostile) {
    await send(a, text);
    // One text contains another ('<script>…' is in 'data:…<script>…'): the latest is last.
    await expect(messageItem(b, text).last()).toBeVisible();
  }
  // Each one as a display name, shown on messages and in the header…
  for (const [i, name] of hostile.entries()) {
    if (i === 0) await setName(a, name);
    else {
      await a.getByRole('button', { name: 'Change name' }).click();
      await a.getByRole('textbox', { name: 'Display name' }).fill(name);
      await a.getByRole('button', { name: 'Save name' }).click();
    }
    await expect(messageItem(b, hostile[1]!).first()).toContainText(name);
  }
  // …and as a room name, in the room list and the room's heading.
  for (const name of hostile) {
    await b.getByRole('button', { name: 'New room' }).click();
    await b.getByRole('textbox', { name: 'Room name' }).fill(name);
    await b.getByRole('button', { name: 'Create room' }).click();
    await expect(b.getByRole('heading', { name, exact: true })).toBeVisible();
  }

  for (const page of [a, b]) {
    const log = page.getByRole('log');
    await expect(log.locator('img, script, iframe, object, embed')).toHaveCount(0);
    await expect(page.locator('kafky-app').locator('img, script')).toHaveCount(0);
    // No link came out of any of them.
    await expect(log.getByRole('link')).toHaveCount(0);
  }
  expect(dialogs).toEqual([]);
});

test('people who share a name are told apart', async ({ browser, relay }) => {
  const a = await openChat(await browser.newContext(), relay);
  const b = await openChat(await browser.newContext(), relay);
  await setName(a, 'Sam');
  await setName(b, 'Sam');
  await send(a, 'I am the first Sam');
  await send(b, 'I am the other Sam');
  const first = messageItem(a, 'I am the first Sam');
  const other = messageItem(a, 'I am the other Sam');
  await expect(first).toContainText(/Sam \([A-Za-z0-9_-]{4}\)/);
  await expect(other).toContainText(/Sam \([A-Za-z0-9_-]{4}\)/);
  const label = async (item: typeof first) =>
    /Sam \(([A-Za-z0-9_-]{4})\)/.exec((await item.textContent()) ?? '')?.[1];
  expect(await label(first)).not.toBe(await label(other));
});

test('Shift+Enter writes a new line; Enter sends; formatting shows', async ({ browser, relay }) => {
  const a = await openChat(await browser.newContext(), relay);
  await messageBox(a).fill('**bold** and `code`');
  await messageBox(a).press('Shift+Enter');
  await messageBox(a).pressSequentially('https://example.com/docs');
  await expect(messageBox(a)).toHaveValue('**bold** and `code`\nhttps://example.com/docs');
  await messageBox(a).press('Enter');
  const item = messageItem(a, 'bold and code');
  await expect(item.locator('strong')).toHaveText('bold');
  await expect(item.locator('code')).toHaveText('code');
  const link = item.getByRole('link', { name: 'https://example.com/docs' });
  await expect(link).toHaveAttribute('rel', /noopener/);
});

test('search finds messages in every room held here and opens them in place', async ({
  browser,
  relay,
}) => {
  const a = await openChat(await browser.newContext(), relay);
  await send(a, 'Lunch at the Élan café?');
  await a.getByRole('button', { name: 'New room' }).click();
  await a.getByRole('textbox', { name: 'Room name' }).fill('Work');
  await a.getByRole('button', { name: 'Create room' }).click();
  await expect(a.getByRole('heading', { name: 'Work' })).toBeVisible();
  await send(a, 'After lunch: the release');
  await send(a, 'Nothing to see');

  const search = a.getByRole('searchbox', { name: 'Search messages' });
  await search.fill('lunch');
  const results = a.getByRole('list', { name: 'Search results' }).getByRole('link');
  await expect(results).toHaveText([/After lunch: the release/, /Lunch at the Élan café\?/]);
  await search.fill('elan caf');
  await expect(results).toHaveText([/in lobby\s+Lunch at the Élan café\?/]);
  await results.first().click();
  await expect(a.getByRole('heading', { name: 'lobby' })).toBeVisible();
  await expect(messageItem(a, 'Lunch at the Élan café?')).toBeFocused();
  await expect(search).toHaveValue('');
});

test('a mention elsewhere raises a desktop notification that opens the message', async ({
  browser,
  relay,
}) => {
  const bobContext = await browser.newContext();
  await bobContext.grantPermissions(['notifications']);
  // Headless Chromium shows no notifications: record what the page asks for.
  await bobContext.addInitScript(() => {
    const shown: { title: string; body: string }[] = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body ?? '' });
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recorded });
  });
  const b = await openChat(bobContext, relay);
  await setName(b, 'Bob');
  await b.getByRole('button', { name: 'New room' }).click();
  await b.getByRole('textbox', { name: 'Room name' }).fill('Quiet room');
  await b.getByRole('button', { name: 'Create room' }).click();
  await expect(b.getByRole('heading', { name: 'Quiet room' })).toBeVisible();

  const a = await openChat(await browser.newContext(), relay);
  await setName(a, 'Alice');
  await send(a, 'No mention here');
  await send(a, 'Hey @Bob, look at this');
  const shown = () =>
    b.evaluate(() => (window as unknown as { shownNotifications: unknown[] }).shownNotifications);
  await expect.poll(shown).toEqual([{ title: 'Alice in lobby', body: 'Hey @Bob, look at this' }]);
});
