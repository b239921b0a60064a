/**
 * What the operations tests (drain, backup, slow consumers, fuzz) share: talking to a
 * relay process through the test client, and reading its database and metrics.
 */
import Database from 'better-sqlite3';
import type { AnyEvent, RoomId } from '../../shared/index.ts';
import { TestClient, testIdentity } from '../sync/test-client.ts';

/** A connection that has said hello and proved a key of its own. */
export function connect(httpUrl: string): Promise<TestClient> {
  return TestClient.open(wsUrl(httpUrl));
}

/**
 * A connection that speaks for the author named `name`, the same one for each call with
 * that name. Many sockets of one author keep a room's presence from changing with each.
 */
export async function connectAs(httpUrl: string, name: string): Promise<TestClient> {
  return TestClient.open(wsUrl(httpUrl), true, await testIdentity(name));
}

function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/sync`;
}

/** Pushes events as the client's own, signed. */
export async function push(client: TestClient, events: readonly AnyEvent[]): Promise<void> {
  await client.push(events);
}

export async function subscribe(client: TestClient, room: RoomId, after = 0): Promise<void> {
  await client.subscribe(room, after);
}

/** Every acknowledged event id the client got, in order. */
export function acked(client: TestClient): string[] {
  return client.of('ack').flatMap((a) => a.acks.map((x) => x.id));
}

/** The ids in a relay's database, each as often as it is stored, with each room's sequences. */
export function stored(dbFile: string): { ids: string[]; seqs: Map<string, number[]> } {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT room, seq, id FROM events ORDER BY room, seq').all() as {
      room: string;
      seq: number;
      id: string;
    }[];
    const seqs = new Map<string, number[]>();
    for (const { room, seq } of rows) {
      const list = seqs.get(room) ?? [];
      list.push(seq);
      seqs.set(room, list);
    }
    return { ids: rows.map((r) => r.id), seqs };
  } finally {
    db.close();
  }
}

/** One sample's value from a Prometheus text page, e.g. `kafky_connections`. */
export function sample(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

export async function metrics(httpUrl: string): Promise<string> {
  const response = await fetch(`${httpUrl}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
