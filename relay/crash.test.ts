/**
 * The relay's crash test (issue 3). Several client processes write and push events all
 * along, while the relay (a process of its own, on a real SQLite file) is killed with
 * SIGKILL at random moments and started again on the same port and file. The clients
 * reconnect and push again whatever they have not seen acknowledged. At the end the
 * database must hold every event any client saw acknowledged, exactly once, at the
 * acknowledged place; each room's sequences must be dense; every event written must have
 * been acknowledged; and the file must pass SQLite's integrity check.
 *
 * KAFKY_CRASH_ROUNDS=20 kills the relay 20 times instead of 3 (and writes more events);
 * KAFKY_CRASH_SEED=<n> replays the kill moments and client pacing of an earlier run
 * (the seed is printed at the start). Timing still differs from run to run, so a replay
 * repeats the schedule, not the exact interleaving.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../shared/index.ts';
import { TestClient } from './sync/test-client.ts';
import type { CrashLine } from './testing/crash-report.ts';
import { envInteger, seededRandom } from './testing/randomized.ts';
import { REPO_ROOT, RelayProcess } from './testing/relay-process.ts';

const ROUNDS = envInteger('KAFKY_CRASH_ROUNDS', 3, 1);
const SEED = envInteger('KAFKY_CRASH_SEED', Math.floor(Math.random() * 2 ** 31), 0);
const CLIENTS = 3;
const ROOMS = ['crash-a', 'crash-b', 'crash-c'];
/** About two seconds of writing per round: a client writes some 100 events a second. */
const EVENTS_PER_CLIENT = 200 * (ROUNDS + 1);
const TOTAL = CLIENTS * EVENTS_PER_CLIENT;
/** Longest the relay stays down after a kill. */
const MAX_DOWNTIME_MS = 300;
/** Longest wait after the kill's moment is reached, so kills land anywhere in a commit. */
const MAX_KILL_JITTER_MS = 25;
/** A bound for the whole run, far above its usual time, so a hang fails instead of blocking. */
const RUN_TIMEOUT_MS = 20_000 + ROUNDS * 10_000;

const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const CLIENT_SCRIPT = 'relay/testing/crash-client.ts';
const replay = `seed ${SEED}, replay with KAFKY_CRASH_SEED=${SEED} KAFKY_CRASH_ROUNDS=${ROUNDS}`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One crash client process (relay/testing/crash-client.ts) and what it reported. */
class CrashClient {
  readonly lines: CrashLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** It reported that all its events are written and acknowledged. */
  done = false;
  stderr = '';
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    args: string[],
    onLine: (client: CrashClient, line: CrashLine) => void,
  ) {
    // Its own process group, so that kill() also reaches the node process tsx starts.
    this.child = spawn(TSX, [CLIENT_SCRIPT, ...args], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      // One that could not be spawned at all never emits 'exit'.
      this.child.once('error', (error) => {
        this.stderr += `could not run ${TSX}: ${error.message}\n`;
        if (this.child.pid !== undefined) return;
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      let line: CrashLine;
      try {
        line = JSON.parse(text) as CrashLine;
      } catch {
        line = { t: 'problem', what: `a line that is not JSON: ${text}` };
      }
      this.lines.push(line);
      if (line.t === 'done') this.done = true;
      onLine(this, line);
    });
  }

  kill(): void {
    // Even if tsx has exited: the process group may outlive it.
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  describe(): string {
    const exit = this.exit ? `exited ${this.exit.signal ?? this.exit.code}` : 'running';
    const counts = new Map<string, number>();
    for (const line of this.lines) counts.set(line.t, (counts.get(line.t) ?? 0) + 1);
    const last = this.lines.at(-1);
    return `${this.name}: ${exit}, reported ${JSON.stringify(Object.fromEntries(counts))}, last ${JSON.stringify(last)}${this.stderr ? `\n${this.stderr}` : ''}`;
  }
}

/** A row of the relay's `events` table (relay/log/sqlite-event-log.ts). */
interface StoredRow {
  room: string;
  seq: number;
  id: string;
  rts: number;
  body: string;
}

const clients: CrashClient[] = [];
let relay: RelayProcess | undefined;

afterAll(async () => {
  for (const client of clients) client.kill();
  await Promise.all(clients.map((client) => client.exited));
  await relay?.dispose();
}, 30_000);

describe('the relay under SIGKILL', () => {
  it(
    'keeps every acknowledged event, once, in dense sequences, in a sound file',
    async () => {
      console.log(
        `crash test: ${replay}; ${CLIENTS} clients × ${EVENTS_PER_CLIENT} events, ${ROUNDS} kills`,
      );
      const started = Date.now();
      const random = seededRandom(SEED);
      const diagnostics = () =>
        [
          replay,
          ...clients.map((client) => client.describe()),
          relay ? relay.output.slice(-4000) : '(no relay)',
        ].join('\n');

      // What the clients reported, gathered as it comes.
      const written = new Map<string, { event: AnyEvent; client: string }>();
      const firstAck = new Map<string, { room: string; seq: number; rts: number }>();
      const conflicts: string[] = [];
      const problems: string[] = [];
      const epochs = new Set<string>();
      let acks = 0;
      let lateAcks = 0;
      /** The relay's clock when each client's current connection was welcomed. */
      const welcomed = new Map<CrashClient, number>();
      /** `acks` when the running relay was started. */
      let acksThisLife = 0;
      /** When the running relay was started, on this machine's clock (which it shares). */
      let lifeStarted = Date.now();
      const onLine = (client: CrashClient, line: CrashLine) => {
        switch (line.t) {
          case 'event':
            if (written.has(line.event.id)) problems.push(`${client.name} reused ${line.event.id}`);
            written.set(line.event.id, { event: line.event, client: client.name });
            return;
          case 'welcome':
            epochs.add(line.epoch);
            welcomed.set(client, line.time);
            return;
          case 'ack': {
            acks += 1;
            const { id, room, seq, rts } = line;
            const first = firstAck.get(id);
            if (!first) {
              firstAck.set(id, { room, seq, rts });
              // Stored before this connection began, yet not acknowledged until now: the
              // relay died between its commit and its ack, and the push again found it.
              if (rts < (welcomed.get(client) ?? 0)) lateAcks += 1;
            } else if (first.room !== room || first.seq !== seq || first.rts !== rts) {
              conflicts.push(
                `${id}: acked as ${JSON.stringify(first)}, then ${JSON.stringify(line)}`,
              );
            }
            return;
          }
          case 'problem':
            problems.push(`${client.name}: ${line.what}`);
            return;
          case 'done':
            return;
        }
      };

      relay = await RelayProcess.start({ staticDir: null });
      const url = `${relay.url.replace(/^http/, 'ws')}/sync`;
      for (let i = 1; i <= CLIENTS; i++) {
        const args = ['--url', url, '--name', `c${i}`, '--events', String(EVENTS_PER_CLIENT)];
        args.push('--rooms', ROOMS.join(','), '--seed', String((SEED + i * 7919) >>> 0));
        clients.push(new CrashClient(`c${i}`, args, onLine));
      }

      const deadline = started + RUN_TIMEOUT_MS;
      const waitFor = async (condition: () => boolean, what: string) => {
        while (!condition()) {
          const failed = clients.find((client) => client.exit && client.exit.code !== 0);
          if (failed)
            throw new Error(`A client failed while waiting for ${what}.\n${diagnostics()}`);
          if (Date.now() > deadline)
            throw new Error(`Timed out waiting for ${what}.\n${diagnostics()}`);
          await sleep(5);
        }
      };

      // Kill k comes once the clients have written a random share of all events, within
      // the k-th of ROUNDS + 1 equal slices, so the kills are spread over the writing;
      // once every client still writing is connected to this relay, so each crash cuts
      // each of them off; and once this relay has sent a random few acks, so it dies while
      // it is committing rather than while it is starting. (If every client is done before
      // then, it dies idle.) A random few milliseconds later still, to land anywhere in a
      // commit.
      const kills: { acked: number; written: number }[] = [];
      for (let k = 0; k < ROUNDS; k++) {
        const writtenBefore = Math.floor((TOTAL * (k + 0.1 + 0.8 * random())) / (ROUNDS + 1));
        const acksBefore = acksThisLife + 1 + Math.floor(random() * 40);
        await waitFor(
          () =>
            (written.size >= writtenBefore &&
              acks >= acksBefore &&
              clients.every(
                (client) => client.done || (welcomed.get(client) ?? 0) >= lifeStarted,
              )) ||
            clients.every((client) => client.done),
          `kill ${k + 1}: ${writtenBefore} events written and ${acksBefore - acksThisLife} acks`,
        );
        await sleep(random() * MAX_KILL_JITTER_MS);
        const exit = await relay.kill();
        expect(exit.signal, `the relay's exit at kill ${k + 1}; ${replay}`).toBe('SIGKILL');
        kills.push({ acked: firstAck.size, written: written.size });
        await sleep(random() * MAX_DOWNTIME_MS);
        lifeStarted = Date.now();
        await relay.start();
        acksThisLife = acks;
      }
      await waitFor(() => clients.every((client) => client.done), 'every client to finish');
      const exits = await Promise.all(clients.map((client) => client.exited));
      expect(exits, diagnostics()).toEqual(clients.map(() => ({ code: 0, signal: null })));
      // Once more, after the last acknowledgement: what was acknowledged must be on disk.
      await relay.kill();

      // The clients saw the relay work as it should all along.
      expect(problems, replay).toEqual([]);
      expect(conflicts, `acks of one id that disagree; ${replay}`).toEqual([]);
      expect(epochs.size, `a crash must not change the log's epoch; ${replay}`).toBe(1);
      expect(written.size, replay).toBe(TOTAL);
      const unacknowledged = [...written.keys()].filter((id) => !firstAck.has(id));
      expect(unacknowledged.slice(0, 20), `events never acknowledged; ${replay}`).toEqual([]);
      const strangers = [...firstAck.keys()].filter((id) => !written.has(id));
      expect(strangers.slice(0, 20), `acks for events no one wrote; ${replay}`).toEqual([]);

      // The database as the crash left it, read directly (read-only: the relay started
      // below is the one to recover it).
      const db = new Database(relay.dbFile, { readonly: true, fileMustExist: true });
      let rows: StoredRow[];
      try {
        expect(db.pragma('integrity_check', { simple: true }), replay).toBe('ok');
        rows = db
          .prepare<[], StoredRow>('SELECT room, seq, id, rts, body FROM events ORDER BY room, seq')
          .all();
      } finally {
        db.close();
      }

      // A relay started on the crashed file serves the whole log, and stops cleanly.
      await relay.start();
      const served = new Map<string, string[]>();
      const reader = await TestClient.open(url);
      try {
        for (const room of ROOMS) reader.send({ type: 'subscribe', room, after: 0 });
        const caughtUp = () => reader.of('caught-up').length === ROOMS.length;
        await reader.until(caughtUp, 'catch-up', 20_000);
        for (const room of ROOMS) {
          served.set(
            room,
            reader.events(room).map((e) => `${e.seq} ${e.id}`),
          );
        }
      } finally {
        reader.close();
      }
      await relay.stop();
      // Crashes are no reason for the relay to complain (its output holds every run's).
      const complaints = relay.output
        .split('\n')
        .filter((line) =>
          /relay: (connection error|commit failed|socket error)|could not/.test(line),
        );
      expect(complaints, `the relay's complaints; ${replay}`).toEqual([]);

      // Every acknowledged event, exactly once, at its acknowledged place and time, as written.
      const copies = new Map<string, number>();
      for (const row of rows) copies.set(row.id, (copies.get(row.id) ?? 0) + 1);
      const repeated = [...copies].filter(([, n]) => n !== 1).map(([id, n]) => `${id} × ${n}`);
      expect(repeated.slice(0, 20), `events stored more than once; ${replay}`).toEqual([]);
      const rowById = new Map(rows.map((row) => [row.id, row]));
      const wrong: string[] = [];
      for (const [id, ack] of firstAck) {
        const row = rowById.get(id);
        if (!row) wrong.push(`${id} (acked ${ack.room}#${ack.seq}) is missing`);
        else if (row.room !== ack.room || row.seq !== ack.seq || row.rts !== ack.rts) {
          wrong.push(
            `${id} acked ${JSON.stringify(ack)}, stored ${row.room}#${row.seq} rts ${row.rts}`,
          );
        } else if (
          JSON.stringify(JSON.parse(row.body)) !== JSON.stringify(written.get(id)?.event)
        ) {
          wrong.push(
            `${id} stored as ${row.body}, written as ${JSON.stringify(written.get(id)?.event)}`,
          );
        }
      }
      expect(wrong.slice(0, 20), `acknowledged events not stored as acked; ${replay}`).toEqual([]);
      const unknown = rows.filter((row) => !written.has(row.id)).map((row) => row.id);
      expect(unknown.slice(0, 20), `stored events no client wrote; ${replay}`).toEqual([]);
      expect(rows.length, replay).toBe(TOTAL);

      // Each room: 1, 2, 3, … with no gap, and the same as the restarted relay served.
      for (const room of ROOMS) {
        const stored = rows.filter((row) => row.room === room);
        const seqs = stored.map((row) => row.seq);
        expect(seqs.length, `room ${room} is empty; ${replay}`).toBeGreaterThan(0);
        const gaps = seqs.filter((seq, i) => seq !== i + 1);
        expect(gaps.slice(0, 20), `room ${room} is not dense; ${replay}`).toEqual([]);
        expect(served.get(room), `room ${room} as served after the crashes; ${replay}`).toEqual(
          stored.map((row) => `${row.seq} ${row.id}`),
        );
      }
      expect(new Set(rows.map((row) => row.room)), replay).toEqual(new Set(ROOMS));

      // A writer's events of a room keep the order it wrote (and pushed) them in.
      const last = new Map<string, number>();
      const reordered: string[] = [];
      for (const [id, { event, client }] of written) {
        const key = `${client}/${event.room}`;
        const seq = firstAck.get(id)!.seq;
        const before = last.get(key);
        if (before !== undefined && before >= seq)
          reordered.push(`${key}: #${seq} after #${before}`);
        last.set(key, seq);
      }
      expect(reordered.slice(0, 20), `a writer's events out of order; ${replay}`).toEqual([]);

      const connections = clients.map(
        (client) => client.lines.filter((line) => line.t === 'welcome').length,
      );
      console.log(
        [
          `crash test passed in ${((Date.now() - started) / 1000).toFixed(1)} s (${replay}):`,
          `${TOTAL} events written by ${CLIENTS} clients into ${ROOMS.length} rooms;`,
          `${ROUNDS} kills mid-run (acknowledged/written at each: ${kills.map((k) => `${k.acked}/${k.written}`).join(', ')}) and one after the last ack;`,
          `${acks} acks received (${acks - firstAck.size} repeats), ${firstAck.size} verified in the database;`,
          `${lateAcks} events stored just before a kill, their ack lost, acknowledged at their original place when pushed again;`,
          `connections per client: ${connections.join(', ')}.`,
        ].join('\n  '),
      );
    },
    RUN_TIMEOUT_MS + 30_000,
  );
});
