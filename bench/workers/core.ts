/**
 * The real client core (client/worker/kafky-core.ts) in Node over fake-indexeddb, in a
 * process of its own: catch-up from a relay, append-and-project, and a rebuild of the
 * read models. Browsers run the same code over their own IndexedDB; figures from here
 * say what the core's code costs, not what a given browser's storage does.
 */
import 'fake-indexeddb/auto';
import { WebSocket } from 'ws';
import { DEFAULT_ROOM, type RoomId } from '../../shared/index.ts';
import { startCore, type KafkyCore } from '../../client/worker/kafky-core.ts';
import type { SocketLike } from '../../client/worker/sync/sync-client.ts';
import { serve } from '../lib/procs.ts';
import { monoMs } from '../lib/stats.ts';
import { WireClient, authorId, chatEvent } from '../lib/wire.ts';

/**
 * Counts the IndexedDB requests the core makes, by kind (a cursor step counts as one, as
 * each is a round trip to the storage backend in a browser). The number per event is a
 * property of Kafky's code, whatever the backend.
 */
const requests = new Map<string, number>();
function countRequests(): void {
  const kinds: [{ prototype: object }, string[]][] = [
    [
      IDBObjectStore,
      [
        'add',
        'put',
        'get',
        'getAll',
        'getAllKeys',
        'count',
        'delete',
        'clear',
        'openCursor',
        'openKeyCursor',
      ],
    ],
    [IDBIndex, ['get', 'getKey', 'getAll', 'getAllKeys', 'count', 'openCursor', 'openKeyCursor']],
    [IDBCursor, ['continue', 'advance', 'continuePrimaryKey']],
    [IDBDatabase, ['transaction']],
  ];
  for (const [type, methods] of kinds) {
    const proto = type.prototype as Record<string, (...args: unknown[]) => unknown>;
    const owner =
      type === IDBObjectStore
        ? 'store'
        : type === IDBIndex
          ? 'index'
          : type === IDBCursor
            ? 'cursor'
            : 'db';
    for (const method of methods) {
      const original = proto[method]!;
      const key = `${owner}.${method}`;
      proto[method] = function (this: unknown, ...args: unknown[]) {
        requests.set(key, (requests.get(key) ?? 0) + 1);
        return original.apply(this, args);
      };
    }
  }
}
countRequests();

/** The requests counted since the last call, per event. */
function requestsPer(events: number): Record<string, number> {
  const per = Object.fromEntries(
    [...requests].map(([key, n]) => [key, Math.round((n / events) * 100) / 100]),
  );
  requests.clear();
  return per;
}

let dbCounter = 0;
const dbName = () => `kafky-bench-${process.pid}-${++dbCounter}`;

/** A core with no relay: its socket never opens, as when the relay is down. */
function offlineCore(): Promise<KafkyCore> {
  const dead: SocketLike = {
    readyState: 0,
    send: () => undefined,
    close: () => undefined,
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  return startCore({
    syncUrl: 'ws://nowhere.invalid/sync',
    createSocket: () => dead,
    dbName: dbName(),
  });
}

/** A fresh client joins `room` (the lobby, which every new client joins) holding `expected` events. */
async function catchUp({ url, expected }: { url: string; expected: number }) {
  let bytes = 0;
  let frames = 0;
  const createSocket = (address: string): SocketLike => {
    const socket = new WebSocket(address, { perMessageDeflate: false });
    socket.on('error', () => {});
    socket.on('message', (data: Buffer) => {
      bytes += data.length;
      frames += 1;
    });
    return socket;
  };
  requests.clear();
  const start = monoMs();
  const cpuStart = process.cpuUsage();
  let seen = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const core = await startCore({ syncUrl: url, createSocket, dbName: dbName() });
  // Every event the relay sent is stored and projected when its `kafked` emit fires.
  core.bus.subscribe('kafked', (event) => {
    if (event.room === DEFAULT_ROOM && event.author !== core.author && ++seen >= expected) done();
  });
  await all;
  const seconds = (monoMs() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perEvent = requestsPer(expected);
  const rows = await core.db.messages.count();
  core.close();
  return { seconds, cpuSeconds, bytes, frames, rows, perEvent };
}

/** Baseline: the same subscription on a bare socket that only parses the frames. */
async function wireCatchUp({ url, room }: { url: string; room: RoomId }) {
  const start = monoMs();
  const client = await WireClient.connect(url);
  let bytes = 0;
  let events = 0;
  client.onMessage = (message, size) => {
    bytes += size;
    if (message.type === 'events') events += message.events.length;
  };
  await client.subscribe(room);
  const seconds = (monoMs() - start) / 1000;
  client.close();
  return { seconds, bytes, events };
}

/** Sends `count` messages one after the other, as the composer does. */
async function appendAndProject({ count }: { count: number }) {
  const core = await offlineCore();
  requests.clear();
  const start = monoMs();
  for (let i = 0; i < count; i++) await core.commands.sendMessage(DEFAULT_ROOM, `append #${i}`);
  const seconds = (monoMs() - start) / 1000;
  const perEvent = requestsPer(count);
  core.close();
  return { seconds, perEvent };
}

/** Puts `count` confirmed messages straight into the log, then times `store.rebuild()`. */
async function rebuild({ count }: { count: number }) {
  const core = await offlineCore();
  const room = DEFAULT_ROOM;
  const base = Date.now() - count * 1000;
  const events = Array.from({ length: count }, (_, i) => ({
    ...chatEvent(room, authorId(i % 20), `history #${i}`, base + i * 1000),
    seq: i + 1,
    rts: base + i * 1000,
  }));
  for (let i = 0; i < count; i += 10_000) {
    await core.db.events.bulkAdd(events.slice(i, i + 10_000));
  }
  requests.clear();
  const start = monoMs();
  await core.store.rebuild();
  const seconds = (monoMs() - start) / 1000;
  const perEvent = requestsPer(count);
  const rows = await core.db.messages.count();
  // Baseline: the floor of a rebuild on this storage: one read of the log, and one bulk
  // write of the very rows the projectors made (read beforehand, outside the timing).
  const made = await core.db.messages.toArray();
  const floorStart = monoMs();
  await core.db.transaction('rw', core.db.events, core.db.messages, async () => {
    await core.db.events.toArray();
    await core.db.messages.clear();
    await core.db.messages.bulkPut(made);
  });
  const floor = (monoMs() - floorStart) / 1000;
  core.close();
  return { seconds, rows, floor, perEvent };
}

serve({ catchUp, wireCatchUp, appendAndProject, rebuild });
