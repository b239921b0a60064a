/**
 * Not even the relay can put words in someone's mouth: a real client core (event store,
 * projectors, sync engine over fake-indexeddb) connected to a real relay patched to
 * tamper with what it forwards refuses the tampered event, flags it, never projects it,
 * and goes on with the room.
 */
// First: Dexie looks for IndexedDB when it is imported.
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { relaySyncUrl, startCore, type KafkyCore } from '../client/worker/kafky-core.ts';
import type { SocketLike } from '../client/worker/sync/sync-client.ts';
import { startRelay, type RunningRelay } from '../relay/server.ts';
import { silentLogger, type RelaySocket } from '../relay/sync/socket.ts';
import { TestClient } from '../relay/sync/test-client.ts';
import { DEFAULT_ROOM, newEventId, type MessageSent } from '../shared/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafky-forged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A relay that rewrites "5" into "500" in every event it sends out, signature and all kept. */
async function tamperingRelay(): Promise<RunningRelay> {
  const relay = await startRelay(
    { port: 0, host: '127.0.0.1', dbFile: join(dir, 'relay.sqlite'), staticDir: null },
    { logger: silentLogger },
  );
  cleanup.push(() => relay.close());
  const attach = relay.hub.attach.bind(relay.hub);
  relay.hub.attach = (socket: RelaySocket, ...rest: unknown[]) =>
    (attach as (s: RelaySocket, ...r: unknown[]) => ReturnType<typeof attach>)(
      new Proxy(socket, {
        get(target, property) {
          if (property === 'send') {
            return (data: string | Buffer, options: { binary: boolean }) =>
              target.send(String(data).replaceAll('owe Bob 5', 'owe Bob 500'), options);
          }
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        },
      }),
      ...rest,
    );
  return relay;
}

function message(text: string): MessageSent {
  return {
    id: newEventId(),
    type: 'message.sent',
    v: 2,
    room: DEFAULT_ROOM,
    author: 'replaced-by-the-signer' as MessageSent['author'],
    ts: Date.now(),
    payload: { text, mentions: [] },
  };
}

it('a peer refuses an event with a bad signature even when the relay forwards it', async () => {
  const relay = await tamperingRelay();
  const alice = await TestClient.open(relay.url.replace('http', 'ws') + '/sync');
  cleanup.push(() => alice.close());
  await alice.push([message('I owe Bob 5'), message('see you at noon')]);
  await alice.next('ack');

  const bob: KafkyCore = await startCore({
    syncUrl: relaySyncUrl(relay.url),
    createSocket: (url): SocketLike => {
      const socket = new WebSocket(url);
      socket.on('error', () => {});
      return socket;
    },
    dbName: `bob-${Math.random()}`,
  });
  cleanup.push(() => bob.close());

  // The room goes on past the tampered event (Bob's own join comes after Alice's two).
  await vi.waitFor(
    async () =>
      expect(
        (await bob.store.rooms()).find((r) => r.room === DEFAULT_ROOM)?.cursor,
      ).toBeGreaterThanOrEqual(2),
    { timeout: 5000 },
  );
  const texts = (await bob.db.messages.toArray()).map((m) => m.text);
  expect(texts).toContain('see you at noon');
  expect(texts.filter((t) => t.includes('owe'))).toEqual([]);
  // Not in the log either, but flagged, with why.
  expect(await bob.db.events.filter((e) => e.author === alice.author).count()).toBe(1);
  const refused = await bob.projections.refusedEvents(10);
  expect(refused).toMatchObject({
    total: 1,
    events: [
      {
        room: DEFAULT_ROOM,
        seq: 1,
        author: alice.author,
        type: 'message.sent',
        reason: 'its signature does not match its content',
      },
    ],
  });
}, 20_000);
