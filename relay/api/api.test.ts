import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  EVENT_SCHEMAS,
  PROTOCOL_VERSION,
  newEventId,
  newRoomSecret,
  roomKey,
  roomToken,
  signEvent,
  type AnyEvent,
  type RoomId,
  type SequencedEvent,
} from '../../shared/index.ts';
import { createApp } from '../app.ts';
import { SqliteEventLog } from '../log/sqlite-event-log.ts';
import { AUTHORS, make } from '../read/history.ts';
import { ReadQueries } from '../read/queries.ts';
import { Hub } from '../sync/hub.ts';
import { silentLogger, type RelaySocket } from '../sync/socket.ts';
import { authFrame, testIdentity } from '../sync/test-client.ts';

const [ANN, BOB] = AUTHORS as [(typeof AUTHORS)[0], (typeof AUTHORS)[0]];
const LOBBY = 'lobby' as RoomId;
const PLANS = 'plans' as RoomId;

/** The bot that posts in these tests: it signs what it posts, as every bot must. */
const BOT_ID = await testIdentity('api-bot');
const BOT = BOT_ID.author;
/** A retry posts the very same message: the same id and time, so the same signature. */
const drafted = new Map<string, { id: string; ts: number }>();

/**
 * What a bot would post for `body`: with an id and a time, signed by the bot's key if it
 * names the bot as its author. A body that is not an object is posted as it is.
 */
async function signedByBot(room: string, body: unknown): Promise<unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const fields = body as Record<string, unknown>;
  if (fields.author !== BOT || 'sig' in fields) return body;
  const key = JSON.stringify([room, fields]);
  const draft = drafted.get(key) ?? { id: newEventId(), ts: 1_764_165_600_000 };
  drafted.set(key, draft);
  const { text, replyTo, mentions } = fields;
  const signed = await signEvent(
    {
      id: draft.id,
      type: 'message.sent',
      v: 2,
      room,
      author: BOT,
      ts: draft.ts,
      payload: { text, mentions: mentions ?? [], ...(replyTo === undefined ? {} : { replyTo }) },
    },
    BOT_ID.privateKey,
  );
  return { ...fields, id: draft.id, ts: draft.ts, sig: signed.sig };
}

const dir = mkdtempSync(join(tmpdir(), 'kafky-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Options = {
  file?: string;
  maxEventBytes?: number;
  authorize?: Parameters<typeof createApp>[0]['authorize'];
};

function relay({ file = ':memory:', maxEventBytes, authorize }: Options = {}) {
  const log = new SqliteEventLog(file);
  const hub = new Hub({
    log,
    logger: silentLogger,
    ...(maxEventBytes ? { maxEventBytes } : {}),
  });
  const app = createApp({
    hub,
    queries: new ReadQueries(log.database),
    staticDir: null,
    ...(authorize ? { authorize } : {}),
  });
  /** Appends through the hub, as a browser's push would. */
  const seed = (...events: AnyEvent[]) => hub.commit(null, events);
  const get = async (path: string) => {
    const response = await app.request(path);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = async (room: string, body: unknown, key: string | null = `key-${Math.random()}`) => {
    body = await signedByBot(room, body);
    const response = await app.request(`/api/rooms/${room}/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key === null ? {} : { 'Idempotency-Key': key }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as {
        event: SequencedEvent;
        replayed: boolean;
        code?: string;
        message?: string;
      },
    };
  };
  return { log, hub, app, seed, get, post };
}

describe('GET /api/schemas', () => {
  it('serves the protocol version, every event type and version, and the message schemas', async () => {
    const { get } = relay();
    const { status, body } = await get('/api/schemas');
    expect(status).toBe(200);
    expect(body.protocol).toBe(PROTOCOL_VERSION);
    const events = body.events as { type: string; v: number; current: boolean; schema: object }[];
    expect(events.map((e) => `${e.type}/v${e.v}`)).toEqual(
      EVENT_SCHEMAS.map((s) => `${s.properties.type.const}/v${s.properties.v.const}`),
    );
    expect(events.find((e) => e.type === 'message.sent' && e.v === 1)?.current).toBe(false);
    expect(events.find((e) => e.type === 'message.sent' && e.v === 2)?.current).toBe(true);
    expect(Object.keys(body.client as object)).toEqual(
      expect.arrayContaining(['hello', 'subscribe', 'push', 'typing']),
    );
    expect(Object.keys(body.relay as object)).toEqual(
      expect.arrayContaining(['welcome', 'events', 'ack', 'rejected', 'error']),
    );
    expect(body.envelope).toMatchObject({
      required: expect.arrayContaining(['id', 'type', 'v']) as unknown,
    });
  });
});

describe('GET /api/rooms', () => {
  it('lists the rooms with events, the most recently active first', async () => {
    const { get, seed } = relay();
    expect((await get('/api/rooms')).body).toEqual({ rooms: [] });
    await seed(make.created(PLANS, ANN, 'Plans'), make.sent(PLANS, ANN, 'hi'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await seed(make.sent(LOBBY, BOB, 'hello'));
    const { status, body } = await get('/api/rooms');
    expect(status).toBe(200);
    expect(body.rooms).toEqual([
      {
        id: LOBBY,
        name: null,
        createdBy: null,
        head: 1,
        messages: 1,
        lastActivity: expect.any(Number) as number,
      },
      {
        id: PLANS,
        name: 'Plans',
        createdBy: ANN,
        head: 2,
        messages: 1,
        lastActivity: expect.any(Number) as number,
      },
    ]);
  });
});

describe('GET /api/rooms/:room/messages', () => {
  it('pages newest first with a cursor, edits, deletions and reactions applied', async () => {
    const { get, seed } = relay();
    const sent = Array.from({ length: 5 }, (_, i) => make.sent(LOBBY, ANN, `m${i + 1}`));
    await seed(...sent);
    await seed(
      make.edited(LOBBY, ANN, sent[4]!.id, 'm5 edited'),
      make.deleted(LOBBY, ANN, sent[3]!.id),
      make.reaction(LOBBY, BOB, sent[4]!.id, '👍', true),
    );
    const first = await get('/api/rooms/lobby/messages?limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      room: LOBBY,
      messages: [
        {
          id: sent[4]!.id,
          seq: 5,
          text: 'm5 edited',
          edited: true,
          reactions: [{ key: '👍', authors: [BOB] }],
        },
        { id: sent[3]!.id, seq: 4, text: '', deleted: true },
      ],
      next: 4,
    });
    const second = await get('/api/rooms/lobby/messages?limit=2&before=4');
    expect((second.body.messages as { text: string }[]).map((m) => m.text)).toEqual(['m3', 'm2']);
    const last = await get(`/api/rooms/lobby/messages?limit=2&before=${String(second.body.next)}`);
    expect(last.body).toMatchObject({ messages: [{ text: 'm1' }], next: null });
    // The default page holds them all.
    expect((await get('/api/rooms/lobby/messages')).body.messages).toHaveLength(5);
  });

  it('answers an unknown room with 404, and the lobby, which always exists, with nothing', async () => {
    const { get } = relay();
    for (const path of [
      '/api/rooms/nowhere/messages',
      '/api/rooms/bad%20room/messages',
      '/api/rooms/nowhere/events',
    ]) {
      const { status, body } = await get(path);
      expect(status, path).toBe(404);
      expect(body, path).toEqual({
        code: 'unknown_room',
        message: expect.stringMatching(/no room/) as string,
      });
    }
    expect(await get('/api/rooms/lobby/messages')).toEqual({
      status: 200,
      body: { room: LOBBY, messages: [], next: null },
    });
  });

  it.each([
    ['before=abc', 'invalid_cursor', /"before" must be an integer of at least 1, not "abc"/],
    ['before=0', 'invalid_cursor', /"before"/],
    ['before=-3', 'invalid_cursor', /"before"/],
    ['before=1.5', 'invalid_cursor', /"before"/],
    ['limit=0', 'invalid_limit', /"limit" must be an integer from 1 to 200, not "0"/],
    ['limit=201', 'invalid_limit', /"limit"/],
    ['limit=ten', 'invalid_limit', /"limit"/],
  ])('refuses %s with 400 %s', async (query, code, message) => {
    const { get } = relay();
    const { status, body } = await get(`/api/rooms/lobby/messages?${query}`);
    expect(status).toBe(400);
    expect(body).toEqual({ code, message: expect.stringMatching(message) as string });
  });
});

describe('GET /api/rooms/:room/events', () => {
  it('pages the raw log in order, unknown event types included, with a cursor', async () => {
    const { get, seed } = relay();
    const events = [
      make.sent(PLANS, ANN, 'one'),
      make.unknown(PLANS, BOB),
      make.sent(PLANS, ANN, 'three'),
    ];
    await seed(...events);
    const first = await get('/api/rooms/plans/events?limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      room: PLANS,
      head: 3,
      events: [
        { ...events[0], seq: 1, rts: expect.any(Number) as number },
        { ...events[1], seq: 2, rts: expect.any(Number) as number },
      ],
      next: 2,
    });
    const rest = await get('/api/rooms/plans/events?after=2');
    expect(rest.body).toMatchObject({ events: [{ id: events[2]!.id, seq: 3 }], next: null });
    expect((await get('/api/rooms/plans/events?after=3')).body).toMatchObject({
      events: [],
      next: null,
    });
  });

  it('refuses a bad cursor or limit with 400', async () => {
    const { get } = relay();
    expect(await get('/api/rooms/lobby/events?after=-1')).toMatchObject({
      status: 400,
      body: { code: 'invalid_cursor' },
    });
    expect(await get('/api/rooms/lobby/events?limit=1001')).toMatchObject({
      status: 400,
      body: { code: 'invalid_limit' },
    });
  });
});

describe('POST /api/rooms/:room/messages', () => {
  it('stores a message, shows it in the read side, and passes it live to the room’s browsers', async () => {
    const { hub, get, post, seed } = relay();
    await seed(make.created(PLANS, ANN, 'Plans'));
    // A browser subscribed to the room, on a socket that records what it is sent.
    const frames: { type: string; events?: SequencedEvent[] }[] = [];
    const socket: RelaySocket = {
      bufferedAmount: 0,
      close: () => undefined,
      send: (text) => void frames.push(JSON.parse(String(text)) as (typeof frames)[0]),
    };
    const browser = hub.attach(socket);
    browser.receive(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    browser.receive(await authFrame(await testIdentity('browser'), browser.challenge));
    browser.receive(JSON.stringify({ type: 'subscribe', room: PLANS, after: 0 }));
    await vi.waitFor(() => expect(frames.map((f) => f.type)).toContain('caught-up'));

    const replyTo = (await get('/api/rooms/plans/events')).body.events as SequencedEvent[];
    const { status, body } = await post('plans', {
      author: BOT,
      text: 'Beep, from a bot',
      replyTo: replyTo[0]!.id,
    });
    expect(status).toBe(201);
    expect(body.replayed).toBe(false);
    expect(body.event).toMatchObject({
      type: 'message.sent',
      room: PLANS,
      author: BOT,
      seq: 2,
      payload: { text: 'Beep, from a bot', mentions: [], replyTo: replyTo[0]!.id },
    });
    const live = frames
      .slice(frames.findIndex((f) => f.type === 'caught-up'))
      .filter((f) => f.type === 'events')
      .flatMap((f) => f.events!);
    expect(live).toEqual([body.event]);
    expect((await get('/api/rooms/plans/messages')).body.messages).toEqual([
      expect.objectContaining({
        id: body.event.id,
        seq: 2,
        author: BOT,
        text: 'Beep, from a bot',
        replyTo: replyTo[0]!.id,
      }),
    ]);
    browser.closed();
  });

  it('stores a repeated Idempotency-Key once and answers it with the original event', async () => {
    const { log, post } = relay();
    const first = await post('lobby', { author: BOT, text: 'once' }, 'retry-me');
    const again = await post('lobby', { author: BOT, text: 'once' }, 'retry-me');
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body).toEqual({ event: first.body.event, replayed: true });
    expect(await log.head(LOBBY)).toBe(1);
    // The same key for another message is a mistake, said as such.
    const reused = await post('lobby', { author: BOT, text: 'something else' }, 'retry-me');
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({
      code: 'idempotency_key_reused',
      message: expect.stringContaining(first.body.event.id) as string,
    });
    expect(await log.head(LOBBY)).toBe(1);
  });

  it('remembers idempotency keys across a restart', async () => {
    const file = join(dir, 'restart.sqlite');
    const before = relay({ file });
    const first = await before.post('lobby', { author: BOT, text: 'survives' }, 'restart-key');
    await before.log.close();
    const after = relay({ file });
    const again = await after.post('lobby', { author: BOT, text: 'survives' }, 'restart-key');
    expect(again.status).toBe(200);
    expect(again.body.event).toEqual(first.body.event);
    expect(await after.log.head(LOBBY)).toBe(1);
    await after.log.close();
  });

  it('requires a well-formed Idempotency-Key', async () => {
    const { log, post } = relay();
    const missing = await post('lobby', { author: BOT, text: 'hi' }, null);
    expect(missing).toMatchObject({ status: 400, body: { code: 'idempotency_key_missing' } });
    const spaced = await post('lobby', { author: BOT, text: 'hi' }, 'has spaces');
    expect(spaced).toMatchObject({ status: 400, body: { code: 'invalid_idempotency_key' } });
    const long = await post('lobby', { author: BOT, text: 'hi' }, 'k'.repeat(256));
    expect(long).toMatchObject({ status: 400, body: { code: 'invalid_idempotency_key' } });
    expect(await log.head(LOBBY)).toBe(0);
  });

  it.each([
    ['not JSON', '{"author":', 'bad_json', /not valid JSON/],
    ['not an object', '["hi"]', 'invalid_body', /must be a JSON object/],
    [
      'an unknown field',
      { author: BOT, text: 'hi', colour: 'red' },
      'invalid_body',
      /unknown field "colour"/,
    ],
    [
      'no author',
      { text: 'hi', id: newEventId(), ts: 1 },
      'invalid_body',
      /invalid message: .*author/,
    ],
    [
      'a bad author',
      { author: 'x', text: 'hi', id: newEventId(), ts: 1 },
      'invalid_body',
      /invalid message: message\.sent\/author/,
    ],
    [
      'an empty text',
      { author: BOT, text: '' },
      'invalid_body',
      /message\.sent\/payload\/text must NOT have fewer than 1 characters/,
    ],
    [
      'a text of spaces',
      { author: BOT, text: '   ' },
      'invalid_body',
      /payload\/text must match pattern/,
    ],
    [
      'a text too long',
      { author: BOT, text: 'x'.repeat(4001) },
      'invalid_body',
      /payload\/text must NOT have more than 4000/,
    ],
    [
      'a bad replyTo',
      { author: BOT, text: 'hi', replyTo: 'nope' },
      'invalid_body',
      /payload\/replyTo must match format/,
    ],
  ])(
    'refuses a body with %s with 400, the schema saying why',
    async (_what, body, code, message) => {
      const { log, post } = relay();
      const { status, body: error } = await post('lobby', body);
      expect(status).toBe(400);
      expect(error).toEqual({ code, message: expect.stringMatching(message) as string });
      expect(await log.head(LOBBY)).toBe(0);
    },
  );

  it('refuses an oversized body with 413, and an event over the relay’s limit too', async () => {
    const { log, post } = relay({ maxEventBytes: 2048 });
    const huge = await post('lobby', { author: BOT, text: 'x'.repeat(3000) });
    expect(huge).toMatchObject({
      status: 413,
      body: { code: 'body_too_large', message: expect.stringContaining('2048') as string },
    });
    // A body under the limit whose event (envelope and all) is over it.
    const close = await post('lobby', { author: BOT, text: 'x'.repeat(1800) });
    expect(close).toMatchObject({
      status: 413,
      body: {
        code: 'event_too_large',
        message: expect.stringContaining('at most 2048 bytes') as string,
      },
    });
    expect(await log.head(LOBBY)).toBe(0);
    expect((await post('lobby', { author: BOT, text: 'short' })).status).toBe(201);
  });

  it('refuses a message not signed by its author with 401, and stores nothing', async () => {
    const { log, post } = relay();
    const other = await testIdentity('someone else');
    const unsigned = await post('lobby', {
      author: other.author,
      text: 'hi',
      id: newEventId(),
      ts: 1,
    });
    expect(unsigned).toMatchObject({ status: 401, body: { code: 'unsigned_event' } });
    const good = (await signedByBot('lobby', { author: BOT, text: 'the real one' })) as Record<
      string,
      unknown
    >;
    // Someone else's words under the bot's signature, or the bot's signature under another name.
    const tampered = await post('lobby', { ...good, text: 'not what the bot said' });
    const borrowed = await post('lobby', { ...good, author: other.author });
    for (const refused of [tampered, borrowed]) {
      expect(refused).toMatchObject({
        status: 401,
        body: {
          code: 'bad_signature',
          message: expect.stringContaining('signed by its author') as string,
        },
      });
    }
    expect(await log.head(LOBBY)).toBe(0);
    expect((await post('lobby', good)).status).toBe(201);
  });

  it('answers a post to an unknown room with 404', async () => {
    const { log, post } = relay();
    const { status, body } = await post('nowhere', { author: BOT, text: 'hello?' });
    expect(status).toBe(404);
    expect(body).toMatchObject({ code: 'unknown_room' });
    expect(await log.head('nowhere' as RoomId)).toBe(0);
  });

  it('answers a storage failure with 503 and stores nothing', async () => {
    const { log, post } = relay();
    log.database.exec(`CREATE TRIGGER no_space BEFORE INSERT ON events
      BEGIN SELECT RAISE(ABORT, 'disk says no'); END;`);
    const { status, body } = await post('lobby', { author: BOT, text: 'hi' });
    expect(status).toBe(503);
    expect(body).toMatchObject({
      code: 'storage_failed',
      message: expect.stringMatching(/disk says no/) as string,
    });
  });
});

describe('the API’s seam for authorization', () => {
  it('runs the given middleware before every room endpoint, and not before health', async () => {
    const { get, post } = relay({
      authorize: async (c, next) =>
        c.req.header('Authorization') === 'Bearer ok'
          ? next()
          : c.json({ code: 'unauthorized', message: 'no token' }, 401),
    });
    expect((await get('/api/rooms')).status).toBe(401);
    expect((await get('/api/rooms/lobby/messages')).status).toBe(401);
    expect((await post('lobby', { author: BOT, text: 'hi' })).status).toBe(401);
    expect((await get('/api/health')).status).toBe(200);
    expect((await get('/api/schemas')).status).toBe(200);
  });
});

describe('room tokens', () => {
  const SECRET_ROOM = 'secret-room' as RoomId;

  async function keyedRoom() {
    const api = relay();
    const secret = newRoomSecret();
    const { publicKey } = await roomKey(secret);
    await api.seed(
      {
        ...make.created(SECRET_ROOM, ANN, 'Secret plans'),
        payload: { name: 'Secret plans', key: publicKey },
      },
      make.sent(SECRET_ROOM, ANN, 'the plan'),
    );
    const request = (path: string, token?: string, init: RequestInit = {}) =>
      api.app.request(path, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string>),
          ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
        },
      });
    return { ...api, secret, request };
  }

  it('lets a keyed room be read with a token made from its secret, and refuses every other', async () => {
    const { secret, request } = await keyedRoom();
    const later = Date.now() + 60_000;
    const good = await roomToken(secret, SECRET_ROOM, later);
    for (const path of ['/api/rooms/secret-room/messages', '/api/rooms/secret-room/events']) {
      expect((await request(path, good)).status).toBe(200);
      const refusals = [
        [undefined, 'token_required'],
        ['nonsense', 'invalid_token'],
        [await roomToken(secret, 'other-room' as RoomId, later), 'invalid_token'],
        [await roomToken(newRoomSecret(), SECRET_ROOM, later), 'invalid_token'],
        [await roomToken(secret, SECRET_ROOM, Date.now() - 1), 'invalid_token'],
        // The expiry is signed: pushing it back breaks the token.
        [`${later + 1}.${good.split('.')[1]}`, 'invalid_token'],
      ] as const;
      for (const [token, code] of refusals) {
        const response = await request(path, token);
        expect(response.status).toBe(401);
        expect(((await response.json()) as { code: string }).code).toBe(code);
      }
    }
    const body = (await (await request('/api/rooms/secret-room/messages', good)).json()) as {
      messages: { text: string }[];
    };
    expect(body.messages.map((m) => m.text)).toEqual(['the plan']);
  });

  it('keeps a keyed room out of the room list, and open rooms open', async () => {
    const { get, seed } = await keyedRoom();
    await seed(make.sent(LOBBY, ANN, 'hello all'));
    const { body } = await get('/api/rooms');
    expect((body.rooms as { id: string }[]).map((r) => r.id)).toEqual(['lobby']);
    expect((await get('/api/rooms/lobby/messages')).status).toBe(200);
  });

  it('needs the token to post to a keyed room, too', async () => {
    const { secret, request, log } = await keyedRoom();
    const body = JSON.stringify(await signedByBot('secret-room', { author: BOT, text: 'beep' }));
    const init = {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'k-1' },
    };
    expect((await request('/api/rooms/secret-room/messages', undefined, init)).status).toBe(401);
    expect(await log.head(SECRET_ROOM)).toBe(2);
    const token = await roomToken(secret, SECRET_ROOM, Date.now() + 60_000);
    expect((await request('/api/rooms/secret-room/messages', token, init)).status).toBe(201);
    expect(await log.head(SECRET_ROOM)).toBe(3);
  });
});
