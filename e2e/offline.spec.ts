import { expect, messageBox, messageItem, openChat, send, test } from './fixtures.ts';

test('offline: the app reloads from the service worker and sends what was written once back online', async ({
  browser,
  relay,
}) => {
  const alice = await browser.newContext();
  const bob = await browser.newContext();
  const aliceTab = await openChat(alice, relay);
  const bobTab = await openChat(bob, relay);
  // The service worker has the app shell once it is active.
  await aliceTab.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await send(aliceTab, 'Before the flight');
  await expect(messageItem(aliceTab, 'Before the flight')).toContainText('delivered');

  await alice.setOffline(true);
  await expect(aliceTab.getByRole('status')).toHaveText(/Offline/);
  await send(aliceTab, 'Over the ocean');
  await send(aliceTab, 'Landing soon');
  await expect(messageItem(aliceTab, 'Over the ocean')).toContainText('pending');

  // With no network, only the service worker can answer this reload.
  await aliceTab.reload();
  expect(await aliceTab.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await expect(messageItem(aliceTab, 'Before the flight')).toContainText('delivered');
  await expect(messageItem(aliceTab, 'Over the ocean')).toContainText('pending');
  await expect(messageItem(aliceTab, 'Landing soon')).toContainText('pending');

  await alice.setOffline(false);
  await expect(messageItem(aliceTab, 'Landing soon')).toContainText('delivered', {
    timeout: 30_000,
  });
  await expect(bobTab.getByRole('log').getByRole('listitem')).toHaveText([
    /Before the flight/,
    /Over the ocean/,
    /Landing soon/,
  ]);
});

test('closing a tab asks first only when something would be lost', async ({ browser, relay }) => {
  const context = await browser.newContext();
  const page = await openChat(context, relay);
  await relay.stop();
  await send(page, 'Pending but safe');
  await expect(messageItem(page, 'Pending but safe')).toContainText('pending');
  // Stored, not only shown from the moment Send was pressed: a send not yet stored is
  // something a close would lose (the composer asks then), and under load it can take a
  // moment. A stored message has its actions; the one shown early has none.
  await expect(
    messageItem(page, 'Pending but safe').getByRole('group', {
      name: 'Message actions',
      includeHidden: true,
    }),
  ).toBeAttached();

  // An unsent draft would be lost: the browser asks, and the person can stay.
  await messageBox(page).fill('An unsent draft');
  const question = page.waitForEvent('dialog');
  await page.close({ runBeforeUnload: true });
  const dialog = await question;
  expect(dialog.type()).toBe('beforeunload');
  await dialog.dismiss();
  await expect(messageBox(page)).toHaveValue('An unsent draft');

  // Pending messages are already stored in IndexedDB: no question for them.
  await messageBox(page).fill('');
  let asked = false;
  page.on('dialog', (d) => {
    asked = true;
    void d.accept();
  });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => page.isClosed()).toBe(true);
  expect(asked).toBe(false);

  // And they go out the next time Kafky is open.
  await relay.start();
  const again = await openChat(context, relay);
  await expect(messageItem(again, 'Pending but safe')).toContainText('delivered', {
    timeout: 30_000,
  });
});
