import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_CODES, type AuthorId, type RoomId } from '../../shared/index.ts';
import { event, ROOM_A } from '../log/event-log.contract.ts';
import { MemoryEventLog } from '../log/memory-event-log.ts';
import { Hub } from '../sync/hub.ts';
import { silentLogger, type RelaySocket } from '../sync/socket.ts';
import type { RelayLimits } from './limits.ts';

/** A socket that records what it is sent and how it was closed. */
class FakeSocket implements RelaySocket {
  readonly sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;
  terminated = false;
  bufferedAmount = 0;
  send(data: string | Buffer): void {
    this.sent.push(JSON.parse(String(data)) as Record<string, unknown>);
  }
  close(code: number): void {
    this.closedWith = code;
  }
  terminate(): void {
    this.terminated = true;
  }
  errors(): unknown[] {
    return this.sent.filter((f) => f.type === 'error');
  }
}

let time = 1_000_000;
function hub(limits: Partial<RelayLimits> = {}) {
  return new Hub({ log: new MemoryEventLog(), logger: silentLogger, now: () => time, limits });
}

function connect(h: Hub, author: string | null = null, address = '') {
  const socket = new FakeSocket();
  const connection = h.attach(socket, address);
  connection.author = author as AuthorId | null;
  return { socket, connection };
}

async function metric(h: Hub, name: string): Promise<string[]> {
  return (await h.metrics.text()).split('\n').filter((line) => line.startsWith(name));
}

afterEach(() => vi.useRealTimers());

describe('the relay limits, in the hub', () => {
  it('refuses a push over the batch limit whole', async () => {
    const h = hub({ maxPushEvents: 3 });
    const { connection } = connect(h, 'alice-0001');
    expect(h.refusePush(connection, 3)).toBeNull();
    const refusal = h.refusePush(connection, 4);
    expect(refusal).toMatchObject({ type: 'error', code: 'push_too_large' });
    expect(refusal?.type === 'error' && refusal.message).toMatch(/at most 3 events/);
    expect(await metric(h, 'kafky_events_refused_total')).toContain(
      'kafky_events_refused_total{code="push_too_large"} 4',
    );
  });

  it('rate-limits a device across its connections and says when to retry', () => {
    const h = hub({ eventsPerSecond: 10, eventBurst: 20, maxPushEvents: 10 });
    const first = connect(h, 'alice-0001').connection;
    const second = connect(h, 'alice-0001').connection;
    const bob = connect(h, 'bob-00001').connection;
    expect(h.refusePush(first, 10)).toBeNull();
    expect(h.refusePush(second, 10)).toBeNull();
    expect(h.refusePush(first, 5)).toMatchObject({ code: 'rate_limited', retryAfterMs: 500 });
    // Another device has a bucket of its own.
    expect(h.refusePush(bob, 10)).toBeNull();
    time += 500;
    expect(h.refusePush(second, 5)).toBeNull();
  });

  it('gives a connection that names no author a bucket of its own', () => {
    const h = hub({ eventsPerSecond: 1, eventBurst: 5, maxPushEvents: 5 });
    const [a, b] = [connect(h).connection, connect(h).connection];
    expect(h.refusePush(a, 5)).toBeNull();
    expect(h.refusePush(b, 5)).toBeNull();
    expect(h.refusePush(a, 1)).toMatchObject({ code: 'rate_limited', retryAfterMs: 1000 });
  });

  it('refuses a subscription past the rooms limit, and keeps the connection', () => {
    const h = hub({ maxRoomsPerConnection: 2 });
    const { socket, connection } = connect(h, 'alice-0001');
    for (const room of ['r1', 'r2', 'r2', 'r3']) h.subscribe(connection, room as RoomId, 0);
    expect(socket.errors()).toEqual([
      {
        type: 'error',
        code: 'too_many_rooms',
        message:
          'a connection may follow at most 2 rooms on this relay; unsubscribe from one first',
      },
    ]);
    expect([...connection.subscriptions.keys()]).toEqual(['r1', 'r2']);
    h.unsubscribe(connection, 'r1' as RoomId);
    h.subscribe(connection, 'r3' as RoomId, 0);
    expect(socket.errors()).toHaveLength(1);
    expect(socket.closedWith).toBeUndefined();
  });

  it('refuses a connection past the per-address limit, until one closes', () => {
    const h = hub({ maxConnectionsPerAddress: 2 });
    const [a] = [connect(h, null, '10.0.0.1'), connect(h, null, '10.0.0.1')];
    expect(h.admits('10.0.0.1')).toBe(false);
    expect(h.admits('10.0.0.2')).toBe(true);
    // One that got past the check before the upgrade is closed at once.
    const third = connect(h, null, '10.0.0.1');
    expect(third.socket.errors()).toEqual([
      expect.objectContaining({ code: 'too_many_connections', fatal: true }),
    ]);
    expect(third.socket.closedWith).toBe(CLOSE_CODES.tryAgainLater);
    // Closing the refused one frees nothing that was not counted.
    expect(h.admits('10.0.0.1')).toBe(false);
    a.connection.closed();
    expect(h.admits('10.0.0.1')).toBe(true);
  });

  it('refuses a frame over the frame limit, before reading it', () => {
    const h = hub({ maxFrameBytes: 2048 });
    const { socket, connection } = connect(h);
    connection.receive(`{"type":"hello","protocol":1,"agent":"${'x'.repeat(2048)}"}`);
    expect(socket.errors()).toEqual([
      {
        type: 'error',
        code: 'frame_too_large',
        message: `a frame may be at most 2048 bytes; this one has 2088`,
      },
    ]);
  });

  it('closes a consumer with too much unsent, and cuts it off if it does not read', async () => {
    vi.useFakeTimers();
    const h = hub({ maxBufferedBytes: 64 * 1024 });
    const slow = connect(h, 'slow-0001');
    const fine = connect(h, 'fine-0001');
    slow.connection.send({ type: 'caught-up', room: ROOM_A, head: 0 });
    expect(slow.socket.sent).toHaveLength(1);
    slow.socket.bufferedAmount = 64 * 1024 + 1;
    slow.connection.send({ type: 'caught-up', room: ROOM_A, head: 1 });
    expect(slow.socket.sent).toHaveLength(1);
    expect(slow.socket.closedWith).toBe(CLOSE_CODES.slowConsumer);
    expect(slow.connection.isOpen).toBe(false);
    fine.connection.send({ type: 'caught-up', room: ROOM_A, head: 1 });
    expect(fine.socket.sent).toHaveLength(1);
    expect(slow.socket.terminated).toBe(false);
    vi.advanceTimersByTime(2000);
    expect(slow.socket.terminated).toBe(true);
    expect(await metric(h, 'kafky_slow_consumer_disconnects_total')).toEqual([
      'kafky_slow_consumer_disconnects_total 1',
    ]);
  });

  it("reports each room's lag: what its furthest-behind subscriber has not been sent", async () => {
    const h = hub({ maxBufferedBytes: 4 * 1024 * 1024 });
    const events = Array.from({ length: 600 }, (_, i) => event(ROOM_A, `e${i}`));
    await h.commit(null, events);
    const { socket, connection } = connect(h, 'slow-0001');
    const send = socket.send.bind(socket);
    // The socket's queue fills after the first catch-up page: catch-up waits for it.
    socket.send = (data: string | Buffer) => {
      send(data);
      socket.bufferedAmount = 2 * 1024 * 1024;
    };
    h.subscribe(connection, ROOM_A, 0);
    await vi.waitFor(() => expect(socket.sent).toHaveLength(1));
    expect(await metric(h, 'kafky_room_lag_events')).toEqual([
      'kafky_room_lag_events{room="room-a"} 100',
    ]);
    expect(await metric(h, 'kafky_catch_up_pages_total')).toEqual(['kafky_catch_up_pages_total 1']);
    connection.closed();
    expect(await metric(h, 'kafky_room_lag_events')).toEqual([]);
  });

  it('drains: waits for the commit under way to be acknowledged, then refuses pushes', async () => {
    const h = hub();
    const { socket, connection } = connect(h, 'alice-0001');
    const committing = h.commit(connection, [event(ROOM_A, 'in flight')]);
    await h.drain();
    expect(socket.sent.map((f) => f.type)).toEqual(['ack']);
    await committing;
    expect(h.refusePush(connection, 1)).toMatchObject({ code: 'shutting_down' });
    expect(await h.log.head(ROOM_A)).toBe(1);
  });
});
