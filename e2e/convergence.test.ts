/**
 * The convergence property test (issue 3). Several simulated browsers, each running the
 * real client core (`startCore`: event store, projectors, bus, sync engine) in this
 * process over its own fake IndexedDB database, talk over real WebSockets to a real relay
 * process on a SQLite file. A seeded schedule has them, in two rooms, send messages and
 * replies, edit and delete their own messages, react, mark messages read, set their
 * names, rename the room, join the second room late, go offline and online and reload
 * (the core is closed and started again on the same database), while the relay is
 * stopped, killed with SIGKILL and started again on the same file, and at least once
 * started on a new, empty file: a new epoch, after which every client must push its own
 * events again.
 *
 * At the end every client is online and left alone until it is quiet, and then:
 * - the relay's log holds every event any client wrote, exactly once, each room's
 *   sequences dense from 1, and each message as it was sent;
 * - every client's log is the relay's log (same ids, sequences, relay times, payloads);
 * - every client's read models are the same, are what a rebuild from the log gives, and
 *   show what the log says (each message's text, edits, deletion and reactions; names,
 *   membership, room names and read positions).
 *
 * It runs with `npm test` (vitest). KAFKY_CONVERGENCE_ROUNDS=20 makes it longer (each
 * round is some 40 random steps and one relay restart, kill or epoch change);
 * KAFKY_CONVERGENCE_SEED=<n> replays the schedule of an earlier run (the seed is printed
 * at the start and in every failure). Timing still differs from run to run (sockets, the
 * relay's start-up, the client's reconnect jitter), so a replay repeats the schedule
 * (who does what, when, and when the relay goes down), not the exact interleaving, nor
 * which message an edit or a reaction lands on.
 */
// First: Dexie looks for IndexedDB when it is imported.
import 'fake-indexeddb/auto';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { READ_MODEL_TABLES, type KafkyDb, type MessageRow } from '../client/worker/db.ts';
import { relaySyncUrl, startCore, type KafkyCore } from '../client/worker/kafky-core.ts';
import type { SocketLike } from '../client/worker/sync/sync-client.ts';
import {
  DEFAULT_ROOM,
  KafkyError,
  type AuthorId,
  type EventId,
  type KafkyEvent,
  type RoomId,
} from '../shared/index.ts';
import { envInteger, seededRandom } from '../relay/testing/randomized.ts';
import { RelayProcess } from './relay-process.ts';

const ROUNDS = envInteger('KAFKY_CONVERGENCE_ROUNDS', 3, 1);
const SEED = envInteger('KAFKY_CONVERGENCE_SEED', Math.floor(Math.random() * 2 ** 31), 0);
const CLIENTS = 4;
/** Random client steps per round, before the round's relay restart. */
const STEPS_PER_ROUND = 40;
/** Longest the relay stays down in a restart, in ms (the clients go on meanwhile). */
const MAX_DOWNTIME_MS = 400;
/** How long the quiet state may take once everyone is online: far above the usual second. */
const QUIET_TIMEOUT_MS = 30_000;
/** A bound for the whole run, so that a hang fails instead of blocking `npm test`. */
const RUN_TIMEOUT_MS = 60_000 + ROUNDS * 15_000;
/** KAFKY_CONVERGENCE_VERBOSE=1 prints the steps and the clients' warnings of a passing run too. */
const VERBOSE = process.env.KAFKY_CONVERGENCE_VERBOSE === '1';
const REPLAY = `seed ${SEED}; replay with KAFKY_CONVERGENCE_SEED=${SEED} KAFKY_CONVERGENCE_ROUNDS=${ROUNDS}`;

const TEXTS = ['hello', 'anyone here?', 'ok', 'été 🌞', 'on my way', 'ça va', '**bold**', 'lunch?'];
const REACTIONS = ['👍', '🎉', '👀'];

/** Random choices over one seeded stream. */
class Dice {
  constructor(readonly next: () => number) {}
  /** A new stream, seeded from this one: one draw here, however much it is used. */
  fork(): Dice {
    return new Dice(seededRandom(Math.floor(this.next() * 2 ** 32)));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T | undefined {
    const i = this.int(items.length);
    return items[i];
  }
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Code unit order, as SQLite's and IndexedDB's: no locale. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `ws` as the core's socket. A browser's WebSocket never throws; `ws` throws when it
 * emits 'error' with no listener, which it does when a socket still connecting is
 * closed, after the sync client has already let go of its handlers. So one listener
 * stays for the socket's whole life. Text frames reach `onmessage` as strings.
 */
function createSocket(url: string): SocketLike {
  const socket = new WebSocket(url);
  socket.on('error', () => {});
  return socket;
}

/** An event of a type this test knows, with the place the relay gave it. */
type LoggedEvent = KafkyEvent & { seq: number; rts: number };

/** A message as a client sent it, to be found as such in every log at the end. */
interface Sent {
  client: string;
  room: RoomId;
  text: string;
  replyTo?: EventId;
  /** Edited or deleted by its author since: it may have been rewritten or dropped as a draft. */
  revised: boolean;
}

/** One simulated browser: a core over its own database, which outlives reloads. */
class SimClient {
  core: KafkyCore | undefined;
  /** What the browser last said about its network. */
  online = true;
  /** Where the browser's `online`/`offline` events fire; a new one per core. */
  private network = new EventTarget();

  constructor(
    readonly name: string,
    readonly dbName: string,
    private readonly syncUrl: string,
  ) {}

  get started(): KafkyCore {
    if (!this.core) throw new Error(`${this.name} is not running`);
    return this.core;
  }

  async open(): Promise<void> {
    this.network = new EventTarget();
    this.core = await startCore({
      syncUrl: this.syncUrl,
      createSocket,
      dbName: this.dbName,
      agent: `kafky-convergence-${this.name}`,
      network: this.network,
    });
    // A browser that reloads while offline: the worker hears so only once it runs.
    if (!this.online) this.network.dispatchEvent(new Event('offline'));
  }

  close(): void {
    const core = this.core;
    this.core = undefined;
    core?.close();
  }

  setOnline(online: boolean): void {
    this.online = online;
    this.network.dispatchEvent(new Event(online ? 'online' : 'offline'));
  }

  /** The rooms this browser syncs, the lobby first (room ids are random: no other order). */
  async rooms(): Promise<RoomId[]> {
    return (await this.started.store.rooms())
      .filter((r) => !r.left)
      .map((r) => r.room)
      .sort((a, b) => Number(b === DEFAULT_ROOM) - Number(a === DEFAULT_ROOM) || compare(a, b));
  }

  /** The messages this browser shows in a room, in its order. */
  async messages(room: RoomId): Promise<MessageRow[]> {
    return this.started.db.messages
      .where('[room+section+n]')
      .between([room, 0, 0], [room, 1, Infinity])
      .toArray();
  }
}

/** The relay's log as its SQLite file holds it, after a crash: read-write, for WAL recovery. */
function readRelayLog(file: string): LoggedEvent[] {
  const db = new Database(file, { fileMustExist: true });
  try {
    return db
      .prepare<[], { seq: number; rts: number; body: string }>(
        'SELECT seq, rts, body FROM events ORDER BY room COLLATE BINARY, seq',
      )
      .all()
      .map((row) => ({ ...(JSON.parse(row.body) as KafkyEvent), seq: row.seq, rts: row.rts }));
  } finally {
    db.close();
  }
}

/** Each room's highest sequence in the relay's file; readable while the relay runs (WAL). */
function readRelayHeads(file: string): Map<RoomId, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare<[], { room: RoomId; head: number }>(
        'SELECT room, max(seq) AS head FROM events GROUP BY room',
      )
      .all();
    return new Map(rows.map((r) => [r.room, r.head]));
  } finally {
    db.close();
  }
}

/** A client's log without what only this browser adds (its local position), in room order. */
async function clientLog(db: KafkyDb): Promise<unknown[]> {
  const events = await db.events.toArray();
  return events
    .map(({ pos: _pos, ...event }) => event)
    .sort(
      (a, b) =>
        compare(a.room, b.room) || (a.seq ?? Infinity) - (b.seq ?? Infinity) || compare(a.id, b.id),
    );
}

/** JSON with every object's keys sorted: the same text for the same value. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => compare(a, b)))
      : v,
  );
}

/** How a client's log differs from the relay's, event by event (the first few of each). */
function logDifferences(mine: readonly unknown[], relay: readonly LoggedEvent[]) {
  const index = (events: readonly unknown[]) =>
    new Map(events.map((e) => [(e as { id: string }).id, canonical(e)]));
  const here = index(mine);
  const there = index(relay);
  return {
    onlyHere: [...here]
      .filter(([id]) => !there.has(id))
      .map(([, e]) => e)
      .slice(0, 5),
    onlyAtRelay: [...there]
      .filter(([id]) => !here.has(id))
      .map(([, e]) => e)
      .slice(0, 5),
    differ: [...here]
      .filter(([id, e]) => there.has(id) && there.get(id) !== e)
      .map(([id, e]) => ({ here: e, relay: there.get(id) }))
      .slice(0, 5),
  };
}

/** Every read model, each in its primary key's order. */
async function readModels(db: KafkyDb): Promise<Record<string, unknown[]>> {
  const models: Record<string, unknown[]> = {};
  for (const table of READ_MODEL_TABLES) models[table] = await db.table(table).toArray();
  return models;
}

const byKey = (a: { k: string }, b: { k: string }) => compare(a.k, b.k);

/**
 * What the chat must show once every event is in the relay's order, worked out from the
 * relay's log alone, in the fields that say what a person sees.
 */
function expectedView(log: readonly LoggedEvent[]) {
  type Message = { k: string; id: EventId; room: RoomId; author: AuthorId; seq: number };
  const messages = new Map<
    EventId,
    Message & { text: string; edited: boolean; deleted: boolean }
  >();
  const reactions = new Map<EventId, Map<string, Set<AuthorId>>>();
  const names = new Map<string, string>();
  const membership = new Map<string, boolean>();
  const rooms = new Map<RoomId, { name: string; createdBy: AuthorId | null }>();
  const reads = new Map<string, EventId>();
  for (const e of log) {
    const who = `${e.room} ${e.author}`;
    switch (e.type) {
      case 'message.sent': {
        const { id, room, author, seq } = e;
        const row = { k: `${room} ${seq}`, id, room, author, seq };
        messages.set(id, { ...row, text: e.payload.text, edited: false, deleted: false });
        break;
      }
      case 'message.edited': {
        const m = messages.get(e.payload.target);
        if (m && m.author === e.author && !m.deleted)
          Object.assign(m, { text: e.payload.text, edited: true });
        break;
      }
      case 'message.deleted': {
        const m = messages.get(e.payload.target);
        if (m && m.author === e.author)
          Object.assign(m, { text: '', edited: false, deleted: true });
        break;
      }
      case 'reaction.set': {
        const keys = reactions.get(e.payload.target) ?? new Map<string, Set<AuthorId>>();
        const authors = keys.get(e.payload.key) ?? new Set<AuthorId>();
        if (e.payload.on) authors.add(e.author);
        else authors.delete(e.author);
        keys.set(e.payload.key, authors);
        reactions.set(e.payload.target, keys);
        break;
      }
      case 'profile.name-set':
        names.set(who, e.payload.name);
        break;
      case 'room.created':
        rooms.set(e.room, { name: e.payload.name, createdBy: e.author });
        membership.set(who, true);
        break;
      case 'room.renamed':
        rooms.set(e.room, {
          name: e.payload.name,
          createdBy: rooms.get(e.room)?.createdBy ?? null,
        });
        break;
      case 'member.joined':
        membership.set(who, true);
        break;
      case 'member.left':
        membership.set(who, false);
        break;
      case 'read.marked':
        reads.set(who, e.payload.through);
        break;
    }
  }
  return {
    messages: [...messages.values()]
      .map((m) => ({
        ...m,
        state: 'delivered',
        reactions: m.deleted ? [] : reactionPairs(reactions.get(m.id)),
      }))
      .sort(byKey),
    members: [...new Set([...names.keys(), ...membership.keys()])]
      .map((k) => ({ k, name: names.get(k) ?? null, member: membership.get(k) ?? false }))
      .sort(byKey),
    rooms: [...rooms].map(([room, r]) => ({ k: room, ...r })).sort(byKey),
    reads: [...reads].map(([k, through]) => ({ k, through })).sort(byKey),
  };
}

function reactionPairs(keys: Map<string, Set<AuthorId>> | undefined): string[] {
  return [...(keys ?? [])]
    .flatMap(([key, authors]) => [...authors].map((a) => `${key} ${a}`))
    .sort();
}

/** The same fields, as a client's read models hold them. */
async function actualView(db: KafkyDb): Promise<ReturnType<typeof expectedView>> {
  return {
    messages: (await db.messages.toArray())
      .map((m) => ({
        k: `${m.room} ${m.seq}`,
        id: m.id,
        room: m.room,
        author: m.author,
        seq: m.seq!,
        text: m.text,
        edited: m.edited,
        deleted: m.deleted,
        state: m.state,
        reactions: m.reactions.flatMap((r) => r.authors.map((a) => `${r.key} ${a}`)).sort(),
      }))
      .sort(byKey),
    members: (await db.members.toArray())
      .map((m) => ({ k: `${m.room} ${m.author}`, name: m.name, member: m.member }))
      .sort(byKey),
    rooms: (await db.roomViews.toArray())
      .map((r) => ({ k: r.room, name: r.name!, createdBy: r.createdBy }))
      .sort(byKey),
    reads: (await db.reads.toArray())
      .map((r) => ({ k: `${r.room} ${r.author}`, through: r.through }))
      .sort(byKey),
  };
}

type RelayMove = 'restart' | 'kill' | 'epoch';

describe('convergence', () => {
  let relay: RelayProcess | undefined;
  const clients: SimClient[] = [];

  afterEach(async () => {
    vi.restoreAllMocks();
    for (const client of clients) {
      try {
        client.close();
      } catch (error) {
        console.error(`could not close ${client.name}`, error);
      }
    }
    // Killed first, so that cleaning up cannot fail and hide the test's own result.
    await relay?.kill();
    await relay?.dispose();
  });

  it(
    'brings every client and the relay to the same log and read models',
    async () => {
      console.log(`convergence: ${REPLAY}`);
      const dice = new Dice(seededRandom(SEED));
      // The core logs each epoch change and anything odd; keep it for a failure report.
      const logs: string[] = [];
      for (const level of ['warn', 'error'] as const) {
        vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
          const text = args
            .map((a) =>
              typeof a === 'string' ? a : inspect(a, { depth: 3, breakLength: Infinity }),
            )
            .join(' ');
          logs.push(`[${level}] ${text}`);
        });
      }
      const steps: string[] = [];
      const note = (step: string) => void steps.push(step);
      const sent = new Map<EventId, Sent>();
      /** Each client's latest display name, which must win in every room it is in. */
      const names = new Map<string, string>();
      let counter = 0;
      const started = performance.now();

      relay = await RelayProcess.start({ staticDir: null });
      const syncUrl = relaySyncUrl(relay.url);
      const epochs = [(await relay.health()).epoch];
      for (let i = 0; i < CLIENTS; i++) {
        const dbName = `kafky-convergence-${SEED}-${i}-${Math.random()}`;
        const client = new SimClient(`c${i}`, dbName, syncUrl);
        await client.open();
        clients.push(client);
      }
      const authors = new Map(clients.map((c) => [c.started.author, c.name]));
      // The second room: opened by one client, joined by another at once, by the rest later.
      const second = await clients[0]!.started.commands.createRoom('Second room');
      // Its invite link's secret, as the others would get it.
      const invite = (await clients[0]!.started.commands.roomSecret(second)) ?? undefined;
      await clients[1]!.started.commands.joinRoom(second, invite);
      const rooms: readonly RoomId[] = [DEFAULT_ROOM, second];

      /** Tolerates what a real user can also run into: the message went away meanwhile. */
      async function attempt(what: string, action: () => Promise<void>): Promise<void> {
        try {
          await action();
        } catch (error) {
          if (!(error instanceof KafkyError) || error.code !== 'invalid_event') throw error;
          note(`  (${what} refused: ${error.message})`);
        }
      }

      async function send(client: SimClient, d: Dice, reply: boolean): Promise<void> {
        const room = d.pick(await client.rooms())!;
        const text = `${client.name} #${++counter} ${d.pick(TEXTS)}`;
        const target = reply ? d.pick(await client.messages(room)) : undefined;
        const replyTo = target?.id;
        const id = await client.started.commands.sendMessage(room, text, replyTo);
        sent.set(id, {
          client: client.name,
          room,
          text,
          ...(replyTo && { replyTo }),
          revised: false,
        });
      }

      /** One random thing a person does in a browser; never touches the relay. */
      async function step(): Promise<void> {
        const client = dice.pick(clients)!;
        const roll = dice.next();
        // Everything else this step chooses comes from its own stream: the main one moves
        // on by the same amount whatever the step finds, so the schedule replays.
        const d = dice.fork();
        const { commands } = client.started;
        if (roll < 0.3) {
          note(`${client.name} sends`);
          await send(client, d, false);
        } else if (roll < 0.36) {
          const count = 2 + d.int(5);
          note(`${client.name} sends ${count} at once`);
          // Picked first, so the choices do not depend on which send finishes first.
          const streams = Array.from({ length: count }, () => d.fork());
          await Promise.all(streams.map((s) => send(client, s, false)));
        } else if (roll < 0.41) {
          note(`${client.name} replies`);
          await send(client, d, true);
        } else if (roll < 0.47) {
          const room = d.pick(await client.rooms())!;
          const own = (await client.messages(room)).filter(
            (m) => m.author === client.started.author && !m.deleted,
          );
          const target = d.pick(own);
          const text = `${client.name} #${++counter} edited`;
          note(`${client.name} edits ${target ? target.id : '(nothing to edit)'}`);
          if (!target) return;
          const entry = sent.get(target.id);
          if (entry) entry.revised = true;
          await attempt('edit', () => commands.editMessage(target.id, text));
        } else if (roll < 0.49) {
          const room = d.pick(await client.rooms())!;
          const own = (await client.messages(room)).filter(
            (m) => m.author === client.started.author && !m.deleted,
          );
          const target = d.pick(own);
          note(`${client.name} deletes ${target ? target.id : '(nothing to delete)'}`);
          if (!target) return;
          const entry = sent.get(target.id);
          if (entry) entry.revised = true;
          await attempt('delete', () => commands.deleteMessage(target.id));
        } else if (roll < 0.56) {
          const room = d.pick(await client.rooms())!;
          const target = d.pick((await client.messages(room)).filter((m) => !m.deleted));
          const key = d.pick(REACTIONS)!;
          note(`${client.name} toggles ${key} on ${target ? target.id : '(nothing)'}`);
          if (target) await attempt('reaction', () => commands.toggleReaction(target.id, key));
        } else if (roll < 0.6) {
          const room = d.pick(await client.rooms())!;
          const target = d.pick(await client.messages(room));
          note(`${client.name} reads ${room} through ${target ? target.id : '(nothing)'}`);
          if (target) await commands.markRead(room, target.id);
        } else if (roll < 0.64) {
          const name = `${client.name} the ${++counter}th`;
          note(`${client.name} is now "${name}"`);
          await commands.setDisplayName(name);
          names.set(client.name, name);
        } else if (roll < 0.65) {
          const room = d.pick(await client.rooms())!;
          note(`${client.name} renames ${room}`);
          await commands.renameRoom(room, `Room ${++counter}`);
        } else if (roll < 0.77) {
          note(`${client.name} goes ${client.online ? 'offline' : 'online'}`);
          client.setOnline(!client.online);
        } else if (roll < 0.8) {
          note(`${client.name} reloads`);
          client.close();
          await client.open();
        } else if (roll < 0.83) {
          const joined = (await client.rooms()).includes(second);
          note(`${client.name} joins ${second}${joined ? ' (already in)' : ''}`);
          if (!joined) await commands.joinRoom(second, invite);
        } else {
          const ms = d.int(80);
          note(`pause ${ms} ms`);
          await sleep(ms);
        }
      }

      async function moveRelay(move: RelayMove, round: number): Promise<void> {
        const r = relay!;
        const hard = move === 'kill' || (move === 'epoch' && dice.chance(0.5));
        note(`relay ${move} (${hard ? 'SIGKILL' : 'SIGTERM'})`);
        if (hard) await r.kill();
        else await r.stop();
        if (move === 'epoch') {
          // A new, empty log at the same address: what a restore or a fresh start looks like.
          for (const suffix of ['', '-wal', '-shm']) {
            const file = r.dbFile + suffix;
            if (existsSync(file)) await rename(file, join(r.dir, `old-${round}.sqlite${suffix}`));
          }
        }
        // The browsers go on meanwhile.
        const until = performance.now() + dice.int(MAX_DOWNTIME_MS);
        for (let n = dice.int(5); n > 0; n--) await step();
        await sleep(until - performance.now());
        await r.start();
        const epoch = (await r.health()).epoch;
        if (move === 'epoch') {
          expect(epochs, `a new log must have a new epoch (${REPLAY})`).not.toContain(epoch);
          epochs.push(epoch);
        } else {
          expect(epoch, `a restart on the same file keeps the epoch (${REPLAY})`).toBe(
            epochs.at(-1),
          );
        }
      }

      // Every kind of move within the first three rounds, and an epoch change in any case.
      const moves: RelayMove[] = ['restart', 'kill', 'epoch'];
      for (let i = moves.length - 1; i > 0; i--) {
        const j = dice.int(i + 1);
        [moves[i], moves[j]] = [moves[j]!, moves[i]!];
      }
      if (ROUNDS < moves.length && !moves.slice(0, ROUNDS).includes('epoch')) moves[0] = 'epoch';

      try {
        for (let round = 0; round < ROUNDS; round++) {
          note(`-- round ${round + 1}`);
          for (let s = 0; s < STEPS_PER_ROUND; s++) await step();
          const move: RelayMove =
            moves[round] ?? (dice.chance(0.2) ? 'epoch' : dice.chance(0.5) ? 'kill' : 'restart');
          await moveRelay(move, round);
        }

        // The end: every client in both rooms and online, then left alone until all is quiet.
        note('-- settle');
        for (const client of clients) {
          if (!(await client.rooms()).includes(second)) {
            await client.started.commands.joinRoom(second, invite);
          }
          if (!client.online) client.setOnline(true);
          // As the browser's network coming back would: no waiting out the backoff.
          client.started.sync.reconnectNow();
        }
        const settling = performance.now();
        await waitUntilQuiet(relay, clients);
        const settled = performance.now();

        // Freeze: no client talks to the relay any more. Then the relay is killed: what it
        // acknowledged must be on disk whatever happens to it (WAL, synchronous=FULL).
        for (const client of clients) client.setOnline(false);
        await relay.kill();
        const relayLog = readRelayLog(relay.dbFile);

        // The relay holds every event a client wrote, each exactly once. A draft deleted
        // before it ever left its browser is the one event that may be missing.
        const own = new Set<EventId>();
        for (const client of clients) {
          const { db, author } = client.started;
          for (const event of await db.events.toArray()) {
            if (event.author === author) own.add(event.id);
          }
        }
        const seen = new Map<EventId, number>();
        for (const event of relayLog) seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
        const mustHave = [...own, ...[...sent].filter(([, s]) => !s.revised).map(([id]) => id)];
        expect(
          {
            missing: [...new Set(mustHave)].filter((id) => !seen.has(id)),
            unknown: [...seen.keys()].filter((id) => !own.has(id)),
            twice: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
          },
          `the relay's log must hold every written event exactly once (${REPLAY})`,
        ).toEqual({ missing: [], unknown: [], twice: [] });
        for (const room of rooms) {
          const seqs = relayLog.filter((e) => e.room === room).map((e) => e.seq);
          expect(seqs, `room ${room}: sequences dense from 1 (${REPLAY})`).toEqual(
            seqs.map((_, i) => i + 1),
          );
        }
        expect(
          relayLog.filter((e) => !rooms.includes(e.room)).map((e) => e.room),
          `no room but the two (${REPLAY})`,
        ).toEqual([]);
        for (const event of relayLog) {
          const message = sent.get(event.id);
          if (!message || message.revised) continue;
          expect(
            {
              client: authors.get(event.author),
              room: event.room,
              type: event.type,
              ...event.payload,
            },
            `message ${event.id} as the relay stored it (${REPLAY})`,
          ).toEqual({
            client: message.client,
            room: message.room,
            type: 'message.sent',
            text: message.text,
            // No generated text holds an @, so no message mentions anyone.
            mentions: [],
            ...(message.replyTo && { replyTo: message.replyTo }),
          });
        }

        // Every client's log is the relay's log; its read models are the same in every
        // client, are what a rebuild from the log gives, and show what the log says.
        const expected = expectedView(relayLog);
        for (const client of clients) {
          for (const room of rooms) {
            const name = names.get(client.name);
            if (name === undefined) continue;
            const member = expected.members.find((m) => m.k === `${room} ${client.started.author}`);
            expect(member?.name, `${client.name}'s latest name wins in ${room} (${REPLAY})`).toBe(
              name,
            );
          }
        }
        let first: { name: string; models: Record<string, unknown[]> } | undefined;
        for (const client of clients) {
          const { db, store } = client.started;
          const log = await clientLog(db);
          expect(
            logDifferences(log, relayLog),
            `${client.name}: its log holds the relay's events as the relay does (${REPLAY})`,
          ).toEqual({ onlyHere: [], onlyAtRelay: [], differ: [] });
          expect(log, `${client.name}: its log is the relay's (${REPLAY})`).toEqual(relayLog);
          expect(
            (await store.rooms())
              .map(({ room, cursor, left }) => ({ room, cursor, left: left ?? false }))
              .sort((a, b) => compare(a.room, b.room)),
            `${client.name}: rooms and cursors (${REPLAY})`,
          ).toEqual(
            [...rooms].sort(compare).map((room) => ({
              room,
              cursor: relayLog.filter((e) => e.room === room).length,
              left: false,
            })),
          );
          expect(await store.pendingCount(), `${client.name}: outbox (${REPLAY})`).toBe(0);
          expect(await actualView(db), `${client.name}: what the chat shows (${REPLAY})`).toEqual(
            expected,
          );
          const models = await readModels(db);
          if (first) {
            expect(
              models,
              `${client.name}: read models the same as ${first.name}'s (${REPLAY})`,
            ).toEqual(first.models);
          } else {
            first = { name: client.name, models };
          }
          await store.rebuild();
          expect(
            await readModels(db),
            `${client.name}: read models the same after a rebuild from the log (${REPLAY})`,
          ).toEqual(models);
        }

        const count = (type: KafkyEvent['type']) => relayLog.filter((e) => e.type === type).length;
        console.log(
          `convergence: seed ${SEED}: ${ROUNDS} rounds, ${CLIENTS} clients, ${relayLog.length} events ` +
            `(${count('message.sent')} messages, ${count('message.edited')} edits, ` +
            `${count('message.deleted')} deletions, ${count('reaction.set')} reactions), ` +
            `${epochs.length} epochs; quiet after ${seconds(settled - started)} s ` +
            `(${seconds(settled - settling)} s to settle); ${logs.length} client warnings`,
        );
        if (VERBOSE)
          console.log([...steps, '--- client warnings and errors ---', ...logs].join('\n'));
      } catch (error) {
        vi.restoreAllMocks();
        console.log(
          [
            `convergence FAILED: ${REPLAY}`,
            `--- last steps ---`,
            ...steps.slice(-60),
            `--- last client warnings and errors ---`,
            ...logs.slice(-60),
            `--- relay output (tail) ---`,
            relay?.output.slice(-4000) ?? '',
          ].join('\n'),
        );
        throw error;
      }
    },
    RUN_TIMEOUT_MS,
  );
});

/**
 * Waits until every client is online, has nothing left to push, holds no event without a
 * sequence, and has every room up to the relay's head. Fails with each client's state.
 */
async function waitUntilQuiet(relay: RelayProcess, clients: readonly SimClient[]): Promise<void> {
  const deadline = performance.now() + QUIET_TIMEOUT_MS;
  for (;;) {
    const heads = readRelayHeads(relay.dbFile);
    let quiet = true;
    const lines: string[] = [`relay heads ${JSON.stringify([...heads])}`];
    for (const client of clients) {
      const { sync, store, db } = client.started;
      const pending = await store.pendingCount();
      const unsequenced = await db.events.filter((e) => e.seq === undefined).toArray();
      const rooms = (await store.rooms()).filter((r) => !r.left);
      const behind = rooms.filter((r) => r.cursor !== (heads.get(r.room) ?? 0));
      if (sync.status !== 'online' || pending > 0 || unsequenced.length > 0 || behind.length > 0) {
        quiet = false;
      }
      lines.push(
        `${client.name}: ${sync.status}, ${pending} to push, ${unsequenced.length} without a sequence, ` +
          `cursors ${rooms.map((r) => `${r.room}@${r.cursor}`).join(' ')}`,
      );
      // Whose they are, and whether their author still has them.
      for (const event of unsequenced.slice(0, 3)) {
        const author = clients.find((c) => c.started.author === event.author);
        const held = await author?.started.db.events.where('id').equals(event.id).first();
        lines.push(
          `  ${event.id} ${event.type} by ${author?.name ?? event.author} ${canonical(event.payload)}: ` +
            (held
              ? `its author holds it, seq ${held.seq}, ${canonical(held.payload)}`
              : 'its author no longer holds it'),
        );
      }
    }
    if (quiet) return;
    if (performance.now() > deadline) {
      throw new Error(
        `not quiet within ${QUIET_TIMEOUT_MS / 1000} s (${REPLAY}):\n${lines.join('\n')}`,
      );
    }
    await sleep(100);
  }
}
