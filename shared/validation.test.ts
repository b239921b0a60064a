import { describe, expect, it } from 'vitest';
import { newEventId, type AuthorId, type RoomId } from './ids.ts';
import { LIMITS } from './limits.ts';
import { PROTOCOL_VERSION } from './protocol-version.ts';
import { EVENT_SCHEMAS, LOCAL_EVENT_SCHEMAS, type MessageSentV1 } from './events/index.ts';
import { CLIENT_MESSAGE_SCHEMAS, RELAY_MESSAGE_SCHEMAS } from './protocol/index.ts';
import {
  checkEvent,
  checkStorable,
  compileAll,
  isKnownEventType,
  parseClientFrame,
  parseRelayFrame,
} from './validation.ts';

function message(text: string, overrides: Partial<Record<string, unknown>> = {}): MessageSentV1 {
  return {
    id: newEventId(),
    type: 'message.sent',
    v: 1,
    room: 'lobby' as RoomId,
    author: 'author-0001' as AuthorId,
    ts: 1_700_000_000_000,
    payload: { text },
    ...overrides,
  };
}

describe('checkEvent', () => {
  it('accepts a well-formed message and keeps it as is', () => {
    const event = message('hello');
    const result = checkEvent(event);
    expect(result).toEqual({ ok: true, value: event });
  });

  it.each([
    ['an empty text', message('')],
    ['a text of only spaces', message('   \n ')],
    ['a text over the limit', message('x'.repeat(LIMITS.messageTextMax + 1))],
    ['a bad id', message('hi', { id: 'not-a-ulid' })],
    ['a bad room', message('hi', { room: 'has space' })],
    ['a missing author', message('hi', { author: undefined })],
    ['an extra envelope field', message('hi', { extra: 1 })],
    ['an extra payload field', message('hi', { payload: { text: 'hi', html: '<b>' } })],
    ['a float time', message('hi', { ts: 1.5 })],
  ])('refuses %s as invalid_event', (_, event) => {
    const result = checkEvent(JSON.parse(JSON.stringify(event)));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_event');
      expect(result.error.message).toMatch(/message\.sent/);
    }
  });

  it('reports an unknown type or version as unknown_event_type', () => {
    for (const overrides of [{ type: 'message.exploded' }, { v: 3 }]) {
      const result = checkEvent(message('hi', overrides));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('unknown_event_type');
    }
    expect(isKnownEventType({ type: 'message.sent', v: 1 })).toBe(true);
    expect(isKnownEventType({ type: 'message.sent', v: 2 })).toBe(true);
    expect(isKnownEventType({ type: 'message.sent', v: 3 })).toBe(false);
  });
});

describe('parseClientFrame', () => {
  it('parses each client message type', () => {
    const frames = [
      { type: 'hello', protocol: PROTOCOL_VERSION },
      { type: 'hello', protocol: PROTOCOL_VERSION, author: 'p8Zk2xQm7RtY' },
      { type: 'subscribe', room: 'lobby', after: 0 },
      { type: 'push', events: [message('hi')] },
      { type: 'typing', room: 'lobby', active: true },
      { type: 'typing', room: 'lobby', active: false },
    ];
    for (const frame of frames) {
      const result = parseClientFrame(JSON.stringify(frame));
      expect(result).toEqual({ ok: true, value: frame });
    }
  });

  it.each([
    ['{', 'bad_json'],
    ['"hello"', 'invalid_message'],
    ['[1,2]', 'invalid_message'],
    ['{"protocol":1}', 'invalid_message'],
    ['{"type":"launch-missiles"}', 'unknown_message_type'],
    ['{"type":"hello","protocol":"1"}', 'invalid_message'],
    ['{"type":"subscribe","room":"lobby","after":-1}', 'invalid_message'],
    ['{"type":"push","events":[]}', 'invalid_message'],
    ['{"type":"hello","protocol":1,"author":"short"}', 'invalid_message'],
    ['{"type":"typing","room":"lobby"}', 'invalid_message'],
    ['{"type":"typing","room":"lobby","active":1}', 'invalid_message'],
    ['{"type":"typing","room":"lobby","active":true,"ttl":5}', 'invalid_message'],
  ])('refuses %s with %s', (text, code) => {
    const result = parseClientFrame(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('refuses a push over the batch limit', () => {
    const events = Array.from({ length: LIMITS.pushBatchMax + 1 }, () => message('x'));
    const result = parseClientFrame(JSON.stringify({ type: 'push', events }));
    expect(result.ok).toBe(false);
  });

  it('lets an event of an unknown type through the frame check, for the per-event check', () => {
    const frame = { type: 'push', events: [message('hi', { type: 'poll.created', v: 3 })] };
    expect(parseClientFrame(JSON.stringify(frame)).ok).toBe(true);
  });
});

describe('parseRelayFrame', () => {
  it('parses an ack and refuses one without a sequence', () => {
    const id = newEventId();
    const good = { type: 'ack', acks: [{ id, room: 'lobby', seq: 1, rts: 5 }] };
    expect(parseRelayFrame(JSON.stringify(good))).toEqual({ ok: true, value: good });
    const bad = { type: 'ack', acks: [{ id, room: 'lobby', rts: 5 }] };
    expect(parseRelayFrame(JSON.stringify(bad)).ok).toBe(false);
  });

  it('parses events with their sequence and refuses a sequence of 0', () => {
    const event = { ...message('hi'), seq: 1, rts: 2 };
    const good = { type: 'events', room: 'lobby', events: [event] };
    expect(parseRelayFrame(JSON.stringify(good)).ok).toBe(true);
    const bad = { type: 'events', room: 'lobby', events: [{ ...event, seq: 0 }] };
    expect(parseRelayFrame(JSON.stringify(bad)).ok).toBe(false);
  });

  it('parses typing and presence signals and refuses malformed ones', () => {
    const typing = { type: 'typing', room: 'lobby', author: 'p8Zk2xQm7RtY', ttl: 6000 };
    expect(parseRelayFrame(JSON.stringify(typing))).toEqual({ ok: true, value: typing });
    expect(parseRelayFrame(JSON.stringify({ ...typing, ttl: 0 })).ok).toBe(true);
    expect(parseRelayFrame(JSON.stringify({ ...typing, ttl: -1 })).ok).toBe(false);
    expect(parseRelayFrame(JSON.stringify({ ...typing, active: true })).ok).toBe(false);
    const presence = { type: 'presence', room: 'lobby', online: ['p8Zk2xQm7RtY', 'q9Al3yRn8SuZ'] };
    expect(parseRelayFrame(JSON.stringify(presence))).toEqual({ ok: true, value: presence });
    expect(parseRelayFrame(JSON.stringify({ ...presence, online: [] })).ok).toBe(true);
    const twice = { ...presence, online: ['p8Zk2xQm7RtY', 'p8Zk2xQm7RtY'] };
    expect(parseRelayFrame(JSON.stringify(twice)).ok).toBe(false);
    expect(parseRelayFrame(JSON.stringify({ ...presence, online: ['bad id'] })).ok).toBe(false);
    const change = { type: 'presence-change', room: 'lobby', joined: ['p8Zk2xQm7RtY'], left: [] };
    expect(parseRelayFrame(JSON.stringify(change))).toEqual({ ok: true, value: change });
    const { left: _left, ...partial } = change;
    expect(parseRelayFrame(JSON.stringify(partial)).ok).toBe(false);
    expect(parseRelayFrame(JSON.stringify({ ...change, left: ['bad id'] })).ok).toBe(false);
  });
});

describe('checkStorable', () => {
  it('passes a known, valid event as known', () => {
    const event = message('hello');
    expect(checkStorable(event)).toEqual({ ok: true, value: { event, known: true } });
  });

  it('passes an event of a type or version it does not know, as unknown', () => {
    const newer = message('hello', { type: 'poll.created', payload: { question: 'tea?' } });
    expect(checkStorable(newer)).toEqual({ ok: true, value: { event: newer, known: false } });
    const v9 = message('hello', { v: 9, payload: { text: 'hi', format: 'rich' } });
    expect(checkStorable(v9)).toEqual({ ok: true, value: { event: v9, known: false } });
  });

  it.each([
    ['a known type failing its schema', message('')],
    ['an unknown type with a bad envelope', message('hi', { type: 'poll.created', room: 'a b' })],
    ['an unknown type with a bad type name', message('hi', { type: 'Poll' })],
    ['an unknown type without a payload', message('hi', { type: 'poll.created', payload: 3 })],
    ['a non-object', 'message.sent'],
  ])('refuses %s as invalid_event', (_, event) => {
    const result = checkStorable(event);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_event');
  });
});

describe('compileAll', () => {
  it('compiles every event and message schema, each of which Ajv accepts in strict mode', () => {
    // Validators compile lazily, on first use: this is where a broken schema shows.
    expect(compileAll()).toBe(
      EVENT_SCHEMAS.length +
        LOCAL_EVENT_SCHEMAS.length +
        CLIENT_MESSAGE_SCHEMAS.length +
        RELAY_MESSAGE_SCHEMAS.length +
        1,
    );
  });
});
