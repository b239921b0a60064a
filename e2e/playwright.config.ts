import { defineConfig } from '@playwright/test';
import { MISSING_CHROMIUM_MESSAGE, chromiumArgs, findChromium } from '../scripts/browser-path.mjs';

const executablePath = findChromium();
if (!executablePath) throw new Error(MISSING_CHROMIUM_MESSAGE);

/**
 * End-to-end tests: every test starts its own relay (see `fixtures.ts`) on the built
 * site in `dist/`, so run `npm run build` first (`npm test` does).
 */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../test-results',
  // Each test spawns a relay and one or more browsers; the CI machine has two cores.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  use: {
    headless: true,
    launchOptions: { executablePath, args: chromiumArgs() },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
