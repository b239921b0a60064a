// @ts-check
/**
 * Where the end-to-end tests find a Chromium: the single source of truth shared by
 * `scripts/ensure-browser.mjs`, `e2e/playwright.config.ts` and `.ci/run`.
 *
 * Order: `$KAFKY_CHROMIUM` (must exist), the system's Chromium or Chrome, then the
 * browser Playwright downloads with `npx playwright install chromium`.
 *
 * It needs no installed package: when `@playwright/test` is missing (a clean clone,
 * before `npm ci`) the last candidate is skipped, so `.ci/run` can call it first.
 *
 * Run as a script, it prints the path it finds, or nothing (and exits 0) when there is none.
 */
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The system locations tried, in order, after `$KAFKY_CHROMIUM`. */
export const SYSTEM_CHROMIUM_PATHS = Object.freeze([
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
]);

/** What to tell someone who has no Chromium. */
export const MISSING_CHROMIUM_MESSAGE = [
  'No Chromium found for the end-to-end tests. Get one in any of these ways:',
  '  - Debian/Ubuntu: sudo apt-get install chromium   (or chromium-browser)',
  '  - With internet access: npx playwright install chromium',
  '    (add --with-deps to also install the system libraries it needs)',
  '  - Point to a Chrome or Chromium you already have: KAFKY_CHROMIUM=/path/to/chrome',
  `Looked for: $KAFKY_CHROMIUM, ${SYSTEM_CHROMIUM_PATHS.join(', ')}, and Playwright's own Chromium.`,
].join('\n');

/**
 * @typedef {object} FoundChromium
 * @property {string} path The executable to launch.
 * @property {'KAFKY_CHROMIUM' | 'system' | 'playwright'} source Where it was found.
 */

/**
 * Finds a Chromium and says where it came from.
 *
 * @returns {FoundChromium | null} null when there is none.
 * @throws {Error} when `$KAFKY_CHROMIUM` is set but names no file: an explicit choice
 *   that is wrong must not silently fall back to another browser.
 */
export function locateChromium() {
  const fromEnv = process.env.KAFKY_CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(
        `KAFKY_CHROMIUM is set to ${JSON.stringify(fromEnv)}, but there is no such file.\n` +
          'Fix the path, or unset KAFKY_CHROMIUM to let the tests look for a Chromium themselves.',
      );
    }
    return { path: fromEnv, source: 'KAFKY_CHROMIUM' };
  }
  for (const path of SYSTEM_CHROMIUM_PATHS) {
    if (existsSync(path)) return { path, source: 'system' };
  }
  const own = playwrightChromiumPath();
  if (own && existsSync(own)) return { path: own, source: 'playwright' };
  return null;
}

/**
 * The path of the Chromium to run the end-to-end tests with, or null when there is none.
 *
 * @returns {string | null}
 * @throws {Error} when `$KAFKY_CHROMIUM` is set but names no file.
 */
export function findChromium() {
  return locateChromium()?.path ?? null;
}

/**
 * The command-line switches Chromium needs on this machine: quiet (no update checks,
 * sync or first-run screens) and, when running as root, without the sandbox, which
 * Chromium refuses to start as root.
 *
 * @returns {string[]}
 */
export function chromiumArgs() {
  const args = [
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ];
  if (process.getuid?.() === 0) args.unshift('--no-sandbox');
  return args;
}

/**
 * Where Playwright keeps (or would keep) its own Chromium, or null when `@playwright/test`
 * is not installed yet.
 *
 * @returns {string | null}
 */
function playwrightChromiumPath() {
  try {
    const require = createRequire(import.meta.url);
    /** @type {typeof import('@playwright/test')} */
    const playwright = require('@playwright/test');
    return playwright.chromium.executablePath() || null;
  } catch {
    return null;
  }
}

/** Whether Node was started on this file, rather than it being imported. */
function invokedDirectly() {
  try {
    const script = process.argv[1];
    return script !== undefined && realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  try {
    const path = findChromium();
    if (path) console.log(path);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
