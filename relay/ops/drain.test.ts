/**
 * SIGTERM drains a real relay process while a client pushes: every event acknowledged is
 * in the database, exactly what was acknowledged is stored, the sockets close with 1001,
 * the process exits 0, and after a restart the events that were not acknowledged are
 * pushed again and stored once each.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES, type AnyEvent } from '../../shared/index.ts';
import { event, ROOM_A } from '../log/event-log.contract.ts';
import type { TestClient } from '../sync/test-client.ts';
import { RelayProcess } from '../testing/relay-process.ts';
import { acked, connect, push, sleep, stored, subscribe } from './test-support.ts';

let relay: RelayProcess | undefined;
afterEach(async () => {
  await relay?.dispose();
  relay = undefined;
});

/** Pushes a batch every few milliseconds until the socket closes. */
async function pushUntilClosed(client: TestClient, sent: AnyEvent[]): Promise<void> {
  for (let i = 0; client.closed === null; i++) {
    const batch = Array.from({ length: 5 }, (_, j) => event(ROOM_A, `drain ${i}.${j}`));
    sent.push(...batch);
    await push(client, batch);
    await sleep(3);
  }
}

describe('SIGTERM', () => {
  it('drains: what is acknowledged is stored, the rest is pushed again after a restart', async () => {
    relay = await RelayProcess.start({ staticDir: null });
    const writer = await connect(relay.url);
    const reader = await connect(relay.url);
    await subscribe(reader, ROOM_A);
    await reader.next('caught-up');

    const sent: AnyEvent[] = [];
    const pushing = pushUntilClosed(writer, sent);
    await writer.until(() => acked(writer).length >= 50, 'some acknowledgements');
    const exit = await relay.stop();
    await pushing;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(writer.closed?.code).toBe(CLOSE_CODES.goingAway);
    expect(reader.closed?.code).toBe(CLOSE_CODES.goingAway);
    // Exactly what was acknowledged is stored: nothing acknowledged is missing, and
    // nothing was stored without its acknowledgement reaching the writer.
    const ids = stored(relay.dbFile).ids;
    expect(new Set(ids)).toEqual(new Set(acked(writer)));
    expect(ids.length).toBeLessThan(sent.length);
    // The reader was sent every stored event before its socket closed.
    expect(reader.events(ROOM_A).map((e) => e.id)).toEqual(ids);

    await relay.start();
    const again = await connect(relay.url);
    const unacked = sent.filter((e) => !ids.includes(e.id));
    for (let i = 0; i < unacked.length; i += 100) await push(again, unacked.slice(i, i + 100));
    await again.until(() => acked(again).length === unacked.length, 'the rest acknowledged');
    const after = stored(relay.dbFile);
    expect(after.ids.length).toBe(sent.length);
    expect(new Set(after.ids)).toEqual(new Set(sent.map((e) => e.id)));
    expect(after.seqs.get(ROOM_A)).toEqual(Array.from({ length: sent.length }, (_, i) => i + 1));
    again.close();
  }, 30_000);
});
