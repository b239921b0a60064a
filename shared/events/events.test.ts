import { describe, expect, it } from 'vitest';
import { newEventId, type AuthorId, type RoomId } from '../ids.ts';
import { LIMITS } from '../limits.ts';
import { checkEvent, isKnownEventType } from '../validation.ts';
import { EVENT_SCHEMAS } from './index.ts';

const TARGET = newEventId();

function event(type: string, payload: Record<string, unknown>) {
  return {
    id: newEventId(),
    type,
    v: 1,
    room: 'lobby' as RoomId,
    author: 'author-0001' as AuthorId,
    ts: 1_700_000_000_000,
    payload,
  };
}

/** One valid payload per registered type: a new type without one fails the first test. */
const VALID: Record<string, Record<string, unknown>> = {
  'message.sent': { text: 'hi', replyTo: TARGET },
  'message.edited': { target: TARGET, text: 'fixed' },
  'message.deleted': { target: TARGET },
  'reaction.set': { target: TARGET, key: '👍🏽', on: true },
  'profile.name-set': { name: 'Alice' },
  'room.created': { name: 'Book club' },
  'room.renamed': { name: 'Book club (2)' },
  'member.joined': {},
  'member.left': {},
  'read.marked': { through: TARGET },
};

describe('event schemas', () => {
  it('has a valid sample for every registered type, and accepts it', () => {
    const types = EVENT_SCHEMAS.map((s) => s.properties.type.const);
    expect(Object.keys(VALID).sort()).toEqual([...types].sort());
    for (const [type, payload] of Object.entries(VALID)) {
      expect(isKnownEventType({ type, v: 1 })).toBe(true);
      const result = checkEvent(event(type, payload));
      expect(result.ok, `${type}: ${result.ok ? '' : result.error.message}`).toBe(true);
    }
  });

  it.each([
    ['a reply to a non-id', 'message.sent', { text: 'hi', replyTo: 'nope' }],
    ['an edit without text', 'message.edited', { target: TARGET }],
    ['an edit to blank text', 'message.edited', { target: TARGET, text: '  ' }],
    ['a delete of nothing', 'message.deleted', {}],
    ['a reaction without on', 'reaction.set', { target: TARGET, key: '👍' }],
    ['an empty reaction', 'reaction.set', { target: TARGET, key: '', on: true }],
    [
      'a reaction that is a paragraph',
      'reaction.set',
      { target: TARGET, key: 'x'.repeat(LIMITS.reactionKeyMax + 1), on: true },
    ],
    ['a room name too long', 'room.created', { name: 'x'.repeat(LIMITS.roomNameMax + 1) }],
    ['a blank room name', 'room.renamed', { name: ' ' }],
    ['a join with extra data', 'member.joined', { admin: true }],
    ['a read mark without a place', 'read.marked', {}],
  ])('refuses %s', (_, type, payload) => {
    const result = checkEvent(event(type, payload));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_event');
  });
});
