import { describe, expect, it } from 'vitest';
import { newEventId } from '../ids.ts';
import { LIMITS } from '../limits.ts';
import { checkEvent, isKnownEventType } from '../validation.ts';
import { EVENT_SCHEMAS, eventKey } from './index.ts';
import { sampleEvent } from './sample-event.ts';

const TARGET = newEventId();

const event = sampleEvent;

/** One valid payload per registered type and version: a new one without a sample fails. */
const VALID: Record<string, Record<string, unknown>> = {
  'message.sent/v1': { text: 'hi', replyTo: TARGET },
  'message.sent/v2': { text: 'hi @Bo', replyTo: TARGET, mentions: ['author-0002'] },
  'message.edited/v1': { target: TARGET, text: 'fixed' },
  'message.deleted/v1': { target: TARGET },
  'reaction.set/v1': { target: TARGET, key: '👍🏽', on: true },
  'profile.name-set/v1': { name: 'Alice' },
  'room.created/v1': { name: 'Book club' },
  'room.renamed/v1': { name: 'Book club (2)' },
  'member.joined/v1': {},
  'member.left/v1': {},
  'read.marked/v1': { through: TARGET },
};

describe('event schemas', () => {
  it('has a valid sample for every registered type, and accepts it', () => {
    const keys = EVENT_SCHEMAS.map((s) => eventKey(s.properties.type.const, s.properties.v.const));
    expect(Object.keys(VALID).sort()).toEqual([...keys].sort());
    for (const [key, payload] of Object.entries(VALID)) {
      const [type, v] = key.split('/v') as [string, string];
      expect(isKnownEventType({ type, v: Number(v) })).toBe(true);
      const result = checkEvent(event(type, payload, Number(v)));
      expect(result.ok, `${key}: ${result.ok ? '' : result.error.message}`).toBe(true);
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
    ['a v2 message without mentions', 'message.sent', { text: 'hi' }, 2],
    ['a v2 message mentioning a non-id', 'message.sent', { text: 'hi', mentions: ['a b'] }, 2],
    [
      'a v2 message mentioning twice',
      'message.sent',
      { text: 'hi', mentions: [TARGET, TARGET] },
      2,
    ],
    ['a v1 message with mentions', 'message.sent', { text: 'hi', mentions: [] }],
  ])('refuses %s', (_, type, payload, v = 1) => {
    const result = checkEvent(event(type, payload, v));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_event');
  });
});
