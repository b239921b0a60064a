import { describe, expect, it } from 'vitest';
import { newEventId, signEvent } from '../../shared/index.ts';
import { createApp } from '../app.ts';
import { event, ROOM_A } from '../log/event-log.contract.ts';
import { SqliteEventLog } from '../log/sqlite-event-log.ts';
import { ReadQueries } from '../read/queries.ts';
import { Hub } from '../sync/hub.ts';
import { silentLogger } from '../sync/socket.ts';
import { testIdentity } from '../sync/test-client.ts';
import type { RelayLimits } from './limits.ts';

function relay(allowedOrigins: string[] = [], limits: Partial<RelayLimits> = {}) {
  const log = new SqliteEventLog(':memory:');
  const hub = new Hub({ log, logger: silentLogger, limits });
  const app = createApp({
    hub,
    queries: new ReadQueries(log.database),
    staticDir: null,
    allowedOrigins,
  });
  return { hub, app };
}

const upgrade = (origin?: string) => ({
  headers: {
    host: 'chat.example.org',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...(origin ? { origin } : {}),
  },
});

describe('the sync socket door', () => {
  it('refuses a page of another origin with 403 and a JSON reason', async () => {
    const { app, hub } = relay();
    const response = await app.request('/sync', upgrade('https://evil.example'), {});
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      code: 'origin_not_allowed',
      message: 'pages of https://evil.example may not open a socket here',
    });
    expect(await hub.metrics.text()).toContain(
      'kafky_connections_refused_total{reason="origin_not_allowed"} 1',
    );
  });

  it("lets the relay's own pages and clients without an Origin through to the upgrade", async () => {
    const { app } = relay();
    // Past the door, app.request() has no socket to upgrade: the upgrade helper answers.
    for (const origin of ['http://chat.example.org', undefined]) {
      const response = await app.request('/sync', upgrade(origin), {});
      expect(response.status).not.toBe(403);
    }
  });

  it('lets only the configured origins in when there are some', async () => {
    const { app } = relay(['https://kafky.example']);
    expect((await app.request('/sync', upgrade('https://kafky.example'), {})).status).not.toBe(403);
    expect((await app.request('/sync', upgrade('http://chat.example.org'), {})).status).toBe(403);
  });

  it('refuses new sockets with 503 once the relay drains', async () => {
    const { app, hub } = relay();
    await hub.drain();
    const response = await app.request('/sync', upgrade(), {});
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'shutting_down' });
  });
});

describe('GET /metrics', () => {
  it('answers in the Prometheus text format with the relay’s metrics', async () => {
    const { app, hub } = relay();
    await hub.commit(null, [event(ROOM_A, 'one'), event(ROOM_A, 'two')]);
    const response = await app.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const line of [
      '# TYPE kafky_connections gauge',
      'kafky_connections 0',
      'kafky_events_acknowledged_total 2',
      'kafky_commit_events_count 1',
      'kafky_commit_events_sum 2',
      'kafky_ack_latency_seconds_count 1',
      'kafky_fanout_latency_seconds_count 1',
      '# TYPE kafky_room_lag_events gauge',
      '# TYPE kafky_slow_consumer_disconnects_total counter',
      '# TYPE kafky_catch_up_pages_total counter',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });
});

describe('a bot posting over REST', () => {
  it('is held to its rate like any device: 429 with Retry-After, nothing stored', async () => {
    const { app, hub } = relay([], { eventsPerSecond: 1, eventBurst: 2, maxPushEvents: 1 });
    const bot = await testIdentity('ops-bot');
    const post = async (text: string) => {
      const draft = { id: newEventId(), ts: 1_764_165_600_000 };
      const { sig } = await signEvent(
        {
          ...draft,
          type: 'message.sent',
          v: 2,
          room: 'lobby',
          author: bot.author,
          payload: { text, mentions: [] },
        },
        bot.privateKey,
      );
      return app.request('/api/rooms/lobby/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Idempotency-Key': draft.id },
        body: JSON.stringify({ ...draft, author: bot.author, text, sig }),
      });
    };
    expect((await post('one')).status).toBe(201);
    expect((await post('two')).status).toBe(201);
    const limited = await post('three');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(await hub.log.head('lobby' as never)).toBe(2);
  });
});
