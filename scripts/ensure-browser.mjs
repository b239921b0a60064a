// @ts-check
/**
 * Makes sure the end-to-end tests have a Chromium, before `playwright test` runs.
 *
 * It uses the one `scripts/browser-path.mjs` finds; when there is none, it tries
 * Playwright's own download (`npx playwright install chromium`, which needs internet),
 * and fails with instructions when that does not work either.
 */
import { spawnSync } from 'node:child_process';
import { MISSING_CHROMIUM_MESSAGE, locateChromium } from './browser-path.mjs';

/** @returns {import('./browser-path.mjs').FoundChromium | null} */
function locateOrExit() {
  try {
    return locateChromium();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}

/** @param {string} path */
function version(path) {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** @param {import('./browser-path.mjs').FoundChromium} found */
function report(found) {
  const from = {
    KAFKY_CHROMIUM: 'from $KAFKY_CHROMIUM',
    system: "the system's",
    playwright: "Playwright's own",
  }[found.source];
  const v = version(found.path);
  console.log(`E2E browser: ${found.path} (${from}${v ? `, ${v}` : ''})`);
}

let found = locateOrExit();
if (!found) {
  console.log("No Chromium found; trying Playwright's download: npx playwright install chromium");
  const install = spawnSync('npx', ['playwright', 'install', 'chromium'], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (install.status === 0) found = locateOrExit();
  if (!found) {
    console.error(`\n${MISSING_CHROMIUM_MESSAGE}`);
    process.exit(1);
  }
}
report(found);
