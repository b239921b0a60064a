import { rm } from 'node:fs/promises';
import { WebSocket } from 'ws';
import { expect, messageItem, openChat, send, test, type RelayProcess } from './fixtures.ts';
import type { Page } from '@playwright/test';

function status(page: Page) {
  return page.getByRole('status');
}

async function setName(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  await page.getByRole('button', { name: 'Save name' }).click();
}

/** Waits until the relay sees exactly `count` sync sockets. */
async function expectConnections(relay: RelayProcess, count: number): Promise<void> {
  await expect.poll(async () => (await relay.health()).connections).toBe(count);
}

test('a message goes from one tab to a second tab and to another browser', async ({
  browser,
  relay,
}) => {
  const alice = await browser.newContext();
  const bob = await browser.newContext();
  const aliceTab1 = await openChat(alice, relay);
  const aliceTab2 = await openChat(alice, relay);
  const bobTab = await openChat(bob, relay);
  for (const page of [aliceTab1, aliceTab2, bobTab])
    await expect(status(page)).toHaveText(/Online/);

  // One socket per browser, however many tabs it has open.
  await expectConnections(relay, 2);

  await setName(aliceTab1, 'Alice');
  await setName(bobTab, 'Bob');
  await send(aliceTab1, 'Hello from Alice');

  const own = messageItem(aliceTab1, 'Hello from Alice');
  await expect(own).toContainText('Alice');
  await expect(own).toContainText('delivered');
  await expect(messageItem(aliceTab2, 'Hello from Alice')).toContainText('delivered');
  const atBob = messageItem(bobTab, 'Hello from Alice');
  await expect(atBob).toContainText('Alice');
  // Only one's own messages carry a delivery state.
  await expect(atBob).not.toContainText(/pending|delivered/);

  // Enter sends from the keyboard as well.
  await bobTab.getByRole('textbox', { name: 'Message' }).fill('Hi Alice, Bob here');
  await bobTab.getByRole('textbox', { name: 'Message' }).press('Enter');
  for (const page of [aliceTab1, aliceTab2]) {
    await expect(messageItem(page, 'Hi Alice, Bob here')).toContainText('Bob');
  }
  await expect(messageItem(bobTab, 'Hi Alice, Bob here')).toContainText('delivered');
  await expect(bobTab.getByRole('textbox', { name: 'Message' })).toHaveValue('');

  // Everyone sees the same conversation in the same order.
  for (const page of [aliceTab1, aliceTab2, bobTab]) {
    await expect(page.getByRole('log').getByRole('listitem')).toHaveText([
      /Hello from Alice/,
      /Hi Alice, Bob here/,
    ]);
  }
  await expectConnections(relay, 2);
});

test('after a reload the history shows from IndexedDB, not from the relay', async ({
  browser,
  relay,
}) => {
  const context = await browser.newContext();
  const page = await openChat(context, relay);
  await send(page, 'Kept on this device');
  await expect(messageItem(page, 'Kept on this device')).toContainText('delivered');

  // Give the relay an empty log: whatever the page shows after a reload came from IndexedDB.
  await relay.stop();
  for (const suffix of ['', '-wal', '-shm']) await rm(relay.dbFile + suffix, { force: true });
  await relay.start();
  await page.reload();
  await expect(messageItem(page, 'Kept on this device')).toContainText('delivered');
  await expect(status(page)).toHaveText(/Online/);
  await expect(page.getByRole('log').getByRole('listitem')).toHaveCount(1);
});

test('with the relay down messages stay pending, then are delivered when it returns', async ({
  browser,
  relay,
}) => {
  const alice = await browser.newContext();
  const bob = await browser.newContext();
  const aliceTab = await openChat(alice, relay);
  const bobTab = await openChat(bob, relay);
  await send(aliceTab, 'Before the outage');
  await expect(messageItem(bobTab, 'Before the outage')).toBeVisible();

  await relay.stop();
  await expect(status(aliceTab)).not.toHaveText(/Online/);
  await send(aliceTab, 'Written while the relay is down');
  await send(aliceTab, 'And a second one');
  const first = messageItem(aliceTab, 'Written while the relay is down');
  await expect(first).toContainText('pending');
  await expect(messageItem(aliceTab, 'And a second one')).toContainText('pending');
  await expect(status(aliceTab)).toHaveText(/2 waiting to send/);

  await relay.start();
  await expect(first).toContainText('delivered', { timeout: 30_000 });
  await expect(messageItem(aliceTab, 'And a second one')).toContainText('delivered');
  await expect(status(aliceTab)).toHaveText(/Online/);
  await expect(bobTab.getByRole('log').getByRole('listitem')).toHaveText(
    [/Before the outage/, /Written while the relay is down/, /And a second one/],
    { timeout: 30_000 },
  );
});

test('a bad frame gets an error frame and the relay keeps serving', async ({ browser, relay }) => {
  const socket = new WebSocket(relay.url.replace(/^http/, 'ws') + '/sync');
  const frames: { type: string; code?: string }[] = [];
  socket.on('message', (data: Buffer) =>
    frames.push(JSON.parse(data.toString()) as { type: string }),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send('this is not json');
  await expect.poll(() => frames.find((f) => f.type === 'error')?.code).toBe('bad_json');
  expect(socket.readyState).toBe(WebSocket.OPEN);

  const page = await openChat(await browser.newContext(), relay);
  await send(page, 'Still serving');
  await expect(messageItem(page, 'Still serving')).toContainText('delivered');
  socket.close();
});
