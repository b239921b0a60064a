import {
  test as base,
  expect,
  type BrowserContext,
  type Locator,
  type Page,
} from '@playwright/test';
import { RelayProcess } from './relay-process.ts';

export { expect };
export { RelayProcess } from './relay-process.ts';
export type { Health } from './relay-process.ts';

interface Fixtures {
  /**
   * Closes every browser context a test opened, once it ends. The browser lives for the
   * whole run, so a context left open keeps its SharedWorker syncing (reconnecting to a
   * relay long gone, or to a later test's relay on a reused port) beside the tests after it.
   */
  closeContexts: void;
  /** A relay of the test's own, started on a fresh database, disposed of after the test. */
  relay: RelayProcess;
  /** More environment for the test's relay (say, a limit); read again at each restart. */
  relayEnv: Record<string, string>;
}

export const test = base.extend<Fixtures>({
  closeContexts: [
    async ({ browser }, use) => {
      await use();
      await Promise.all(browser.contexts().map((context) => context.close()));
    },
    { auto: true },
  ],
  relayEnv: [{}, { option: true }],
  relay: async ({ relayEnv }, use, testInfo) => {
    const relay = await RelayProcess.start({ env: relayEnv });
    try {
      await use(relay);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('relay output', { body: relay.output, contentType: 'text/plain' });
      }
      await relay.dispose();
    }
  },
});

/** The message composer. */
export function messageBox(page: Page): Locator {
  return page.getByRole('textbox', { name: 'Message' });
}

/** Opens the chat at the relay in a new page of `context`, once the app is ready to use. */
export async function openChat(context: BrowserContext, relay: RelayProcess): Promise<Page> {
  const page = await context.newPage();
  await page.goto(relay.url);
  await expect(messageBox(page)).toBeVisible();
  return page;
}

/** Types `text` in the composer and sends it. */
export async function send(page: Page, text: string): Promise<void> {
  await messageBox(page).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** The message list's item that shows `text`. */
export function messageItem(page: Page, text: string): Locator {
  return page.getByRole('log').getByRole('listitem').filter({ hasText: text });
}
