import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect, messageItem, openChat, send, test, type RelayProcess } from './fixtures.ts';

/** A browser like Chrome on Android before 148: no SharedWorker at all. */
async function browserWithoutSharedWorker(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    delete (globalThis as { SharedWorker?: unknown }).SharedWorker;
  });
  return context;
}

function status(page: Page) {
  return page.getByRole('status');
}

async function expectConnections(relay: RelayProcess, count: number): Promise<void> {
  await expect.poll(async () => (await relay.health()).connections).toBe(count);
}

test('without SharedWorker, one tab leads and owns the socket; when it closes another takes over', async ({
  browser,
  relay,
}) => {
  const alice = await browserWithoutSharedWorker(browser);
  const leader = await openChat(alice, relay);
  const follower = await openChat(alice, relay);
  expect(await follower.evaluate(() => typeof SharedWorker)).toBe('undefined');
  const bob = await openChat(await browser.newContext(), relay);

  for (const page of [leader, follower, bob]) await expect(status(page)).toHaveText(/Online/);
  // One socket for Alice's browser, however many tabs (and workers) it runs, and Bob's.
  await expectConnections(relay, 2);

  // A follower's message goes out through the leader, and every tab follows.
  await send(follower, 'From the follower tab');
  await expect(messageItem(follower, 'From the follower tab')).toContainText('delivered');
  await expect(messageItem(leader, 'From the follower tab')).toContainText('delivered');
  await expect(messageItem(bob, 'From the follower tab')).toBeVisible();
  await send(bob, 'Bob answers');
  await expect(messageItem(follower, 'Bob answers')).toBeVisible();
  await expect(messageItem(leader, 'Bob answers')).toBeVisible();

  // Messages written while the relay is down wait in IndexedDB, whichever tab wrote them.
  await relay.stop();
  await expect(status(follower)).not.toHaveText(/Online/);
  await send(leader, 'Written in the leader, relay down');
  await send(follower, 'Written in the follower, relay down');
  await expect(messageItem(follower, 'Written in the leader, relay down')).toContainText('pending');
  await expect(status(follower)).toHaveText(/2 waiting to send/);

  // The leader tab goes away with its worker; the follower's worker is elected.
  await leader.close();
  await relay.start();
  await expect(messageItem(follower, 'Written in the leader, relay down')).toContainText(
    'delivered',
    { timeout: 30_000 },
  );
  await expect(messageItem(follower, 'Written in the follower, relay down')).toContainText(
    'delivered',
  );
  await expect(status(follower)).toHaveText(/Online/);
  await send(follower, 'After the takeover');
  await expect(messageItem(follower, 'After the takeover')).toContainText('delivered');

  await expect(bob.getByRole('log').getByRole('listitem')).toHaveText(
    [
      /From the follower tab/,
      /Bob answers/,
      /Written in the leader, relay down/,
      /Written in the follower, relay down/,
      /After the takeover/,
    ],
    { timeout: 30_000 },
  );
  await expectConnections(relay, 2);
});
