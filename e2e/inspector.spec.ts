import type { Page } from '@playwright/test';
import { expect, messageItem, openChat, send, test } from './fixtures.ts';

function messageAction(page: Page, text: string, action: string) {
  return messageItem(page, text).getByRole('button', { name: action, exact: true });
}

/** What the real message list shows, item by item. */
function messageList(page: Page): Promise<string[]> {
  return page.getByRole('log').getByRole('listitem').allInnerTexts();
}

test('inspector: the log with types and states, filters, heads, and time travel that leaves the room as it is', async ({
  browser,
  relay,
}) => {
  const page = await openChat(await browser.newContext(), relay);
  for (const text of ['Plan A', 'Plan B', 'Plan C']) {
    await send(page, text);
    // Delivered first, so the edit and the delete below are events of their own.
    await expect(messageItem(page, text)).toContainText('delivered');
  }
  await messageAction(page, 'Plan A', 'Edit').click();
  const editor = page.getByRole('textbox', { name: 'Edit message' });
  await editor.fill('Plan A, revised');
  await editor.press('Enter');
  await expect(messageItem(page, 'Plan A, revised')).toContainText('(edited)');
  await messageAction(page, 'Plan B', 'Delete').click();
  await messageAction(page, 'Plan B', 'Confirm delete').click();
  await expect(messageItem(page, 'Plan B')).toHaveCount(0);
  await messageAction(page, 'Plan C', 'React').click();
  await page.getByRole('button', { name: 'React with 👍' }).click();
  await expect(messageItem(page, 'Plan C').getByRole('button', { name: /^👍 1/ })).toBeVisible();
  await expect(page.getByText('waiting to send')).toHaveCount(0);
  const list = await messageList(page);
  expect(list.join('\n')).toContain('message deleted');

  // Open it from the keyboard, wherever the focus is.
  await page.keyboard.press('Control+Alt+KeyI');
  const inspector = page.getByRole('region', { name: 'Inspector', exact: true });
  await expect(inspector.getByRole('heading', { name: 'Inspector', exact: true })).toBeFocused();
  await expect(page.getByRole('button', { name: 'Inspector', exact: true })).toHaveAttribute(
    'aria-expanded',
    'true',
  );

  const log = inspector.getByRole('table', { name: 'Local log' });
  const rows = log.locator('tbody tr');
  const row = (type: string) => rows.filter({ hasText: type });
  await expect(row('message.sent')).toHaveCount(3);
  for (const type of ['message.sent', 'message.edited', 'message.deleted', 'reaction.set']) {
    await expect(row(type).first()).toContainText('delivered');
    // message.sent is at v2 (mentions bound when sent); the others at v1.
    await expect(row(type).first()).toContainText(type === 'message.sent' ? 'v2' : 'v1');
  }
  await expect(log.getByRole('columnheader')).toHaveText([
    'Position',
    'Room',
    'Sequence',
    'Type',
    'Author',
    'Time',
    'State',
    'Time travel',
  ]);
  await expect(inspector.getByText('Nothing waiting for the relay.')).toBeVisible();
  const lobby = inspector
    .getByRole('table', { name: 'Rooms: local and relay heads' })
    .getByRole('row', { name: /lobby/ });
  const localHead = await lobby.getByRole('cell').nth(0).innerText();
  expect(Number(localHead)).toBeGreaterThanOrEqual(6);
  await expect(lobby.getByRole('cell')).toHaveText([localHead, localHead, '0']);

  const types = inspector.getByRole('combobox', { name: 'Type' });
  await types.selectOption('message.edited');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('message.edited');
  await expect(inspector.getByText('Events 1–1 of 1, newest first.')).toBeVisible();
  await types.selectOption('');
  await inspector.getByRole('combobox', { name: 'Room' }).selectOption('lobby');
  await expect(row('message.edited')).toHaveCount(1);

  // The event just before the edit (the log is newest first): Plan A as first written.
  const texts = await rows.allInnerTexts();
  const edit = texts.findIndex((text) => text.includes('message.edited'));
  const beforeEdit = rows.nth(edit + 1).getByRole('button', { name: /^Time travel/ });
  await beforeEdit.focus();
  await page.keyboard.press('Enter');
  const travel = inspector.getByRole('region', { name: 'Time travel' });
  const past = travel.getByRole('list', { name: 'Messages as they were' });
  await expect(past.getByRole('listitem')).toHaveCount(3);
  await expect(past.getByRole('listitem').nth(0)).toContainText('Plan A');
  await expect(past).not.toContainText('revised');
  await expect(past).not.toContainText('(edited)');
  await expect(past.getByRole('listitem').nth(1)).toContainText('Plan B');
  await expect(past).not.toContainText('message deleted');
  expect(await messageList(page)).toEqual(list);

  // The reaction, last of all: the edited text and the deleted message's skeleton.
  await row('reaction.set')
    .getByRole('button', { name: /^Time travel/ })
    .click();
  await expect(past.getByRole('listitem').nth(0)).toContainText('Plan A, revised');
  await expect(past.getByRole('listitem').nth(0)).toContainText('(edited)');
  await expect(past.getByRole('listitem').nth(1)).toContainText('message deleted');
  await expect(past).not.toContainText('Plan B');
  await expect(past.getByRole('listitem').nth(2)).toContainText('Reactions: 👍 1');
  await expect(travel.getByRole('status')).toContainText('just after event');
  expect(await messageList(page)).toEqual(list);

  // Escape closes it and puts the keyboard back on its button; the shortcut toggles it.
  await page.keyboard.press('Escape');
  await expect(inspector).toHaveCount(0);
  const toggle = page.getByRole('button', { name: 'Inspector', exact: true });
  await expect(toggle).toBeFocused();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('Control+Alt+KeyI');
  await expect(inspector).toBeVisible();
  await page.keyboard.press('Control+Alt+KeyI');
  await expect(inspector).toHaveCount(0);
  expect(await messageList(page)).toEqual(list);
});
