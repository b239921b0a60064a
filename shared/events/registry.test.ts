import { describe, expect, it } from 'vitest';
import { newEventId } from '../ids.ts';
import { EVENT_REGISTRY, readEvent } from '../validation.ts';
import { createEventRegistry, eventKey, type SchemaCheck } from './registry.ts';
import { sampleEvent } from './sample-event.ts';
import type { Upcaster } from './upcasters.ts';

const event = (type: string, v: number, payload: Record<string, unknown>) =>
  sampleEvent(type, payload, v);

const schema = (type: string, v: number) => ({
  properties: { type: { const: type }, v: { const: v } },
});
// A stand-in compiler: every payload passes unless it says `bad`.
const lenient = (): SchemaCheck => (value) =>
  (value as { payload?: { bad?: boolean } }).payload?.bad ? 'bad payload' : null;

describe('the schema registry', () => {
  it('reads a v1 message as the current v2, mentioning no one', () => {
    const old = event('message.sent', 1, { text: 'hi' });
    expect(readEvent(old)).toEqual({
      kind: 'current',
      event: { ...old, v: 2, payload: { text: 'hi', mentions: [] } },
    });
  });

  it('reads a current event as it is', () => {
    const current = event('message.sent', 2, { text: 'hi', mentions: [] });
    const read = readEvent(current);
    expect(read.kind === 'current' && read.event).toBe(current);
  });

  it('tells unknown events (a newer client’s) from invalid ones', () => {
    expect(readEvent(event('poll.created', 1, { question: 'tea?' }))).toEqual({ kind: 'unknown' });
    expect(readEvent(event('message.sent', 3, { text: 'hi', format: 'rich' }))).toEqual({
      kind: 'unknown',
    });
    const invalid = readEvent(event('message.sent', 1, { text: ' ' }));
    expect(invalid.kind).toBe('invalid');
  });

  it('lets writers write only the current version', () => {
    expect(EVENT_REGISTRY.currentVersion('message.sent')).toBe(2);
    const old = EVENT_REGISTRY.checkWritable(event('message.sent', 1, { text: 'hi' }));
    expect(old.ok).toBe(false);
    if (!old.ok) expect(old.error.message).toMatch(/written as v2/);
    expect(
      EVENT_REGISTRY.checkWritable(event('message.sent', 2, { text: 'hi', mentions: [] })).ok,
    ).toBe(true);
  });

  it('forgets whole types in `without`, as an older client would not know them', () => {
    const older = EVENT_REGISTRY.without(['reaction.set']);
    const reaction = event('reaction.set', 1, { target: newEventId(), key: '👍', on: true });
    expect(older.read(reaction)).toEqual({ kind: 'unknown' });
    expect(EVENT_REGISTRY.read(reaction).kind).toBe('current');
    expect(older.read(event('member.joined', 1, {})).kind).toBe('current');
  });

  it('refuses to start with a gap in a chain', () => {
    expect(() => createEventRegistry([schema('a.b', 1), schema('a.b', 2)], [], lenient)).toThrow(
      /no upcaster from v1/,
    );
    expect(() => createEventRegistry([schema('a.b', 2)], [], lenient)).toThrow(/no schema for v1/);
  });

  it('runs a chain step by step, and catches an upcaster that breaks its schema', () => {
    const steps: Upcaster[] = [
      { type: 'a.b', from: 1, up: (e) => ({ ...e, v: 2, payload: { ...e.payload, two: true } }) },
      { type: 'a.b', from: 2, up: (e) => ({ ...e, v: 3, payload: { ...e.payload, three: true } }) },
    ];
    const registry = createEventRegistry(
      [1, 2, 3].map((v) => schema('a.b', v)),
      steps,
      lenient,
    );
    const read = registry.read(event('a.b', 1, { one: true }));
    expect(read.kind === 'current' && read.event).toMatchObject({
      v: 3,
      payload: { one: true, two: true, three: true },
    });
    const broken = createEventRegistry(
      [1, 2].map((v) => schema('a.b', v)),
      [{ type: 'a.b', from: 1, up: (e) => ({ ...e, v: 2, payload: { bad: true } }) }],
      lenient,
    );
    const result = broken.read(event('a.b', 1, {}));
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') expect(result.error.message).toMatch(/upcasting a\.b\/v1/);
    expect(eventKey('a.b', 1)).toBe('a.b/v1');
  });
});
