import type { BrowserContext, Page } from '@playwright/test';
import { expect, openChat, send, test } from './fixtures.ts';

async function setName(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('button', { name: 'Change name' })).toBeVisible();
}

/** Headless Chromium shows no notifications: record what the page asks for. */
async function recordNotifications(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
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
}

test('notifications allowed after the tab opened start at once, with no reload', async ({
  browser,
  relay,
}) => {
  const bobContext = await browser.newContext();
  await recordNotifications(bobContext);
  const b = await openChat(bobContext, relay);
  await setName(b, 'Bob');
  await b.getByRole('button', { name: 'New room' }).click();
  await b.getByRole('textbox', { name: 'Room name' }).fill('Quiet room');
  await b.getByRole('button', { name: 'Create room' }).click();
  await expect(b.getByRole('heading', { name: 'Quiet room' })).toBeVisible();

  const a = await openChat(await browser.newContext(), relay);
  await setName(a, 'Alice');
  const shown = () =>
    b.evaluate(() => (window as unknown as { shownNotifications: unknown[] }).shownNotifications);
  await send(a, 'Before, @Bob');
  await expect(b.getByRole('link', { name: /lobby.*1 mentioning you/ })).toBeVisible();
  expect(await shown()).toEqual([]);

  // As the browser's own site settings would: no click in the app, no reload.
  await bobContext.grantPermissions(['notifications']);
  // The change reaches the tab in its own time: mention Bob until a notification shows.
  await expect(async () => {
    await send(a, 'After, @Bob');
    expect(await shown()).not.toHaveLength(0);
  }).toPass({ intervals: [500] });
  expect((await shown())[0]).toEqual({ title: 'Alice in lobby', body: 'After, @Bob' });
});
