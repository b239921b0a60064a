import { expect, test } from './fixtures.ts';

test('the relay starts and reports itself healthy', async ({ relay }) => {
  const health = await relay.health();
  expect(health.status).toBe('ok');
  expect(typeof health.epoch).toBe('string');
  expect(health.epoch).not.toBe('');
});

test('the relay serves the app', async ({ page, relay }) => {
  await page.goto(relay.url);
  await expect(page).toHaveTitle(/Kafky/);
});
