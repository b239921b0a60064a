import type { BrowserContext, CDPSession, Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { PROOF_TEXTS, PROTOCOL_VERSION, generateIdentity, signText } from '../shared/index.ts';
import {
  expect,
  messageItem,
  openChat,
  send,
  test as base,
  type RelayProcess,
} from './fixtures.ts';

const test = base.extend<{
  /**
   * A new browser (context) of the test's own. Each is closed when the test ends, before
   * its relay stops: browsers left open would keep retrying dead relays in later tests.
   */
  newBrowser: () => Promise<BrowserContext>;
}>({
  newBrowser: async ({ browser, relay }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async () => {
      const context = await browser.newContext();
      contexts.push(context);
      return context;
    });
    for (const context of contexts) await context.close();
    // The relay outlives every browser of the test (it is set up first, so torn down last).
    void relay;
  },
});

/** Long enough for the client's reconnect backoff after the relay has been away a while. */
const RECONNECT = { timeout: 30_000 };

function status(page: Page) {
  return page.getByRole('status');
}

function messages(page: Page) {
  return page.getByRole('log').getByRole('listitem');
}

async function setName(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Display name' }).fill(name);
  await page.getByRole('button', { name: 'Save name' }).click();
}

/** Opens the chat in a fresh browser, under `name`, and waits until the name is at the relay. */
async function join(newBrowser: () => Promise<BrowserContext>, relay: RelayProcess, name: string) {
  const context = await newBrowser();
  const page = await openChat(context, relay);
  await setName(page, name);
  // Exactly "Online": connected, and nothing waiting to send (the name has been delivered).
  await expect(status(page)).toHaveText('Online');
  return { context, page };
}

/** A message as someone wrote it. */
interface Said {
  author: string;
  text: string;
}

const STATES = ['pending', 'delivered', 'failed'];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The whole message list as `viewer` must see it, item by item in this order. Each item
 * holds its author's name and its body; the viewer's own messages also hold their delivery
 * state (`ownState`, a regular expression), and other people's hold no state at all.
 */
function conversation(viewer: string, said: Said[], ownState = 'delivered'): RegExp[] {
  return said.map(({ author, text }) => {
    // Else an item could pass on its body alone.
    if ([author, ...STATES].some((word) => text.includes(word))) {
      throw new Error(`Pick a body without the author's name or a state in it: ${text}`);
    }
    const holds = (pattern: string) => `(?=.*${pattern})`;
    const state =
      author === viewer ? holds(`\\b(?:${ownState})\\b`) : `(?!.*\\b(?:${STATES.join('|')})\\b)`;
    return new RegExp(
      `^${holds(`\\b${escapeRegExp(author)}\\b`)}${holds(escapeRegExp(text))}${state}`,
      's',
    );
  });
}

/** Waits until the relay sees exactly `count` sync sockets. */
async function expectConnections(relay: RelayProcess, count: number): Promise<void> {
  await expect.poll(async () => (await relay.health()).connections).toBe(count);
}

/** Proves a fresh key to the relay, then subscribes to `room`. */
async function authenticate(socket: WebSocket, challenge: string, room: string): Promise<void> {
  const { keys, author } = await generateIdentity();
  const proof = await signText(keys.privateKey, PROOF_TEXTS.auth(challenge));
  socket.send(JSON.stringify({ type: 'auth', author, proof }));
  socket.send(JSON.stringify({ type: 'subscribe', room, after: 0 }));
}

/** The texts of the messages the relay holds in `room`, in its order, asked over a socket. */
async function relayTexts(relay: RelayProcess, room = 'lobby'): Promise<string[]> {
  const socket = new WebSocket(relay.url.replace(/^http/, 'ws') + '/sync');
  const texts: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () =>
        socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, agent: 'e2e' })),
      );
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as {
          type: string;
          challenge?: string;
          events?: { type: string; payload: { text?: string } }[];
        };
        if (frame.type === 'welcome') void authenticate(socket, frame.challenge!, room);
        for (const event of frame.events ?? []) {
          if (event.type === 'message.sent' && event.payload.text !== undefined)
            texts.push(event.payload.text);
        }
        if (frame.type === 'caught-up') resolve();
        if (frame.type === 'error') reject(new Error(`relay error: ${data.toString()}`));
      });
    });
  } finally {
    socket.close();
  }
  return texts;
}

/** How many Kafky SharedWorkers run in the browser context `contextId`. */
async function sharedWorkers(cdp: CDPSession, contextId: string): Promise<number> {
  const { targetInfos } = await cdp.send('Target.getTargets');
  return targetInfos.filter(
    (target) =>
      target.type === 'shared_worker' &&
      target.browserContextId === contextId &&
      target.title === 'kafky',
  ).length;
}

async function contextIdOf(context: BrowserContext, page: Page): Promise<string> {
  const session = await context.newCDPSession(page);
  try {
    const { targetInfo } = await session.send('Target.getTargetInfo');
    if (targetInfo.browserContextId === undefined) throw new Error('The page has no context id.');
    return targetInfo.browserContextId;
  } finally {
    await session.detach();
  }
}

for (const first of ['Alice', 'Bob'] as const) {
  const second = first === 'Alice' ? 'Bob' : 'Alice';

  test(`two browsers write offline, ${first} comes back first: everyone ends up with one order`, async ({
    newBrowser,
    relay,
  }) => {
    const alice = await join(newBrowser, relay, 'Alice');
    const bob = await join(newBrowser, relay, 'Bob');
    const people = { Alice: alice, Bob: bob };
    const before: Said = { author: 'Alice', text: 'Everyone still online' };
    await send(alice.page, before.text);
    await expect(messages(bob.page)).toHaveText(conversation('Bob', [before]));

    await alice.context.setOffline(true);
    await bob.context.setOffline(true);
    for (const { page } of [alice, bob]) await expect(status(page)).toHaveText('Offline');
    // The app itself dropped its socket on the window's offline event.
    await expectConnections(relay, 0);

    // Interleaved in time, so that the order the relay gives differs from the order written.
    const written: Said[] = [
      { author: 'Alice', text: 'Offline note A1' },
      { author: 'Bob', text: 'Offline note B1' },
      { author: 'Alice', text: 'Offline note A2' },
      { author: 'Bob', text: 'Offline note B2' },
    ];
    for (const said of written) await send(people[said.author as 'Alice' | 'Bob'].page, said.text);
    const by = (author: string) => written.filter((said) => said.author === author);
    for (const name of ['Alice', 'Bob'] as const) {
      const { page } = people[name];
      // Each sees only what it had before and its own two, still pending.
      await expect(messages(page)).toHaveText([
        ...conversation(name, [before]),
        ...conversation(name, by(name), 'pending'),
      ]);
      await expect(status(page)).toHaveText('Offline · 2 waiting to send');
    }

    await people[first].context.setOffline(false);
    await expect(status(people[first].page)).toHaveText('Online', RECONNECT);
    const afterFirst = [before, ...by(first)];
    await expect(messages(people[first].page)).toHaveText(conversation(first, afterFirst));
    // The second browser is still offline: it has nothing of the first, its own still wait.
    await expect(messages(people[second].page)).toHaveText([
      ...conversation(second, [before]),
      ...conversation(second, by(second), 'pending'),
    ]);
    await expect(status(people[second].page)).toHaveText('Offline · 2 waiting to send');

    await people[second].context.setOffline(false);
    await expect(status(people[second].page)).toHaveText('Online', RECONNECT);
    const final = [before, ...by(first), ...by(second)];
    for (const name of ['Alice', 'Bob'] as const) {
      await expect(messages(people[name].page)).toHaveText(conversation(name, final));
      await expect(status(people[name].page)).toHaveText('Online');
    }

    // A third browser that opens now gets the same conversation from the relay.
    const carol = await openChat(await newBrowser(), relay);
    await expect(messages(carol)).toHaveText(conversation('Carol', final));
    await expectConnections(relay, 3);
  });
}

test('messages written with the relay down, all tabs then closed, are sent when the chat is opened again', async ({
  browser,
  newBrowser,
  relay,
}) => {
  const bob = await join(newBrowser, relay, 'Bob');
  const alice = await join(newBrowser, relay, 'Alice');
  const aliceTab2 = await openChat(alice.context, relay);
  await expect(status(aliceTab2)).toHaveText('Online');

  await relay.stop();
  await expect(status(alice.page)).not.toHaveText(/Online/);
  const written: Said[] = [
    { author: 'Alice', text: 'Written before closing every tab' },
    { author: 'Alice', text: 'And one more before closing' },
  ];
  for (const { text } of written) await send(alice.page, text);
  for (const page of [alice.page, aliceTab2]) {
    await expect(messages(page)).toHaveText(conversation('Alice', written, 'pending'));
    await expect(status(page)).toHaveText(/2 waiting to send/);
  }

  // Closing the last tab ends the browser's SharedWorker, and with it the worker's memory.
  const cdp = await browser.newBrowserCDPSession();
  const aliceId = await contextIdOf(alice.context, alice.page);
  expect(await sharedWorkers(cdp, aliceId)).toBe(1);
  for (const page of alice.context.pages()) await page.close();
  await expect.poll(() => sharedWorkers(cdp, aliceId)).toBe(0);

  await relay.start();
  await expect(status(bob.page)).toHaveText('Online', RECONNECT);
  // Nothing of Alice's reached the relay while she was away: only Bob is connected, and
  // the relay holds no message.
  await expectConnections(relay, 1);
  expect(await relayTexts(relay)).toEqual([]);

  const reopened = await openChat(alice.context, relay);
  // Straight from IndexedDB (the relay never had them), pending or already delivered...
  await expect(messages(reopened)).toHaveText(conversation('Alice', written, 'pending|delivered'));
  // ...and then delivered by the new worker.
  await expect(messages(reopened)).toHaveText(conversation('Alice', written), RECONNECT);
  await expect(status(reopened)).toHaveText('Online');
  await expect(messages(bob.page)).toHaveText(conversation('Bob', written));
  expect(await relayTexts(relay)).toEqual(written.map((said) => said.text));
  await cdp.detach();
});

test('the relay restarts under an open browser: it reconnects and catches up without a reload', async ({
  newBrowser,
  relay,
}) => {
  const alice = await join(newBrowser, relay, 'Alice');
  const bob = await join(newBrowser, relay, 'Bob');
  const before: Said = { author: 'Alice', text: 'Before the restart' };
  await send(alice.page, before.text);
  await expect(messages(bob.page)).toHaveText(conversation('Bob', [before]));
  // Gone after a reload: shows that Alice's page is the same document throughout.
  await alice.page.evaluate(() => Object.assign(window, { e2eSameDocument: true }));

  await relay.stop();
  for (const { page } of [alice, bob]) {
    await expect(status(page)).toHaveText(/Offline|Connecting…/);
  }
  const duringOutage: Said = { author: 'Bob', text: 'Written while the relay is down' };
  await send(bob.page, duringOutage.text);
  await expect(messageItem(bob.page, duringOutage.text)).toContainText('pending');
  await expect(status(bob.page)).toHaveText(/1 waiting to send/);

  await relay.start();
  for (const { page } of [alice, bob]) await expect(status(page)).toHaveText('Online', RECONNECT);
  const afterRestart: Said = { author: 'Bob', text: 'Written after the restart' };
  await send(bob.page, afterRestart.text);
  await expect(messages(alice.page)).toHaveText(
    conversation('Alice', [before, duringOutage, afterRestart]),
  );

  // Alice can write again too, and Bob gets it.
  const reply: Said = { author: 'Alice', text: 'Got both of them' };
  await send(alice.page, reply.text);
  const final = [before, duringOutage, afterRestart, reply];
  await expect(messages(alice.page)).toHaveText(conversation('Alice', final));
  await expect(messages(bob.page)).toHaveText(conversation('Bob', final));
  expect(
    await alice.page.evaluate(() => (window as { e2eSameDocument?: boolean }).e2eSameDocument),
  ).toBe(true);
  await expectConnections(relay, 2);
});
