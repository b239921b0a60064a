import { DEFAULT_ROOM, newEventId, type AnyEvent } from '../shared/index.ts';
import { expect, messageItem, openChat, test } from './fixtures.ts';
import { SEED_AUTHOR, history, seedRoom } from './seed.ts';

// The seed pushes thousands of events as one device at once, far past the relay's rate.
test.use({ relayEnv: { KAFKY_EVENTS_PER_SECOND: '0' } });

test('read models: unknown events kept and listed, a rebuild from the log with its progress, the same room after it', async ({
  browser,
  relay,
}) => {
  test.setTimeout(180_000);
  // An old history (message.sent v1, upcast when read) and an event of a type this
  // version does not know, as a newer client would write it.
  const events = history(DEFAULT_ROOM, 5000);
  const poll: AnyEvent = {
    id: newEventId(),
    type: 'poll.created',
    v: 1,
    room: DEFAULT_ROOM,
    author: SEED_AUTHOR,
    ts: Date.now(),
    payload: { question: 'Tea or coffee?' },
  };
  await seedRoom(relay, DEFAULT_ROOM, [...events, poll]);

  const page = await openChat(await browser.newContext(), relay);
  await expect(messageItem(page, 'history #4999')).toBeVisible({ timeout: 120_000 });

  await page.getByRole('button', { name: 'Inspector', exact: true }).click();
  const inspector = page.getByRole('region', { name: 'Inspector', exact: true });
  const unknown = inspector.getByRole('table', { name: 'Unknown events' });
  await expect(unknown.getByRole('row', { name: /poll\.created/ })).toBeVisible();
  await expect(inspector.getByText(/\b1 event of types this version does not know/)).toBeVisible();
  await expect(inspector.getByText('None: every event went through its projectors.')).toBeVisible();
  const projectors = inspector.getByRole('table', { name: 'Read models' });
  await expect(projectors.getByRole('row', { name: /^messages/ })).toContainText('up to date');

  const rebuild = inspector.getByRole('button', { name: 'Rebuild read models' });
  await rebuild.click();
  // Shown in the header and beside the button while the log is projected again.
  await expect(page.getByRole('progressbar', { name: /^Rebuilding / }).first()).toBeVisible();
  await expect(rebuild).toBeDisabled();
  await expect(inspector.getByRole('status').filter({ hasText: 'rebuilt' })).toHaveText(
    'Read models rebuilt from the log.',
    { timeout: 60_000 },
  );
  await expect(page.getByRole('progressbar')).toHaveCount(0);
  await expect(rebuild).toBeEnabled();
  await expect(projectors.getByRole('row', { name: /^messages/ })).toContainText('up to date');
  await expect(messageItem(page, 'history #4999')).toBeVisible();
  // Still kept aside, not dropped, after the rebuild.
  await expect(unknown.getByRole('row', { name: /poll\.created/ })).toBeVisible();
});
