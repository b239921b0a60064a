import { describe, expect, it } from 'vitest';
import { newEventId, type AuthorId, type RoomId } from '../ids.ts';
import { checkEvent, checkStorable, isLocalOnlyEvent } from '../validation.ts';
import { EVENT_SCHEMAS, LOCAL_EVENT_SCHEMAS } from './index.ts';

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

const refused = event('delivery.refused', {
  target: newEventId(),
  code: 'event_too_large',
  message: 'too big',
});
const retried = event('delivery.retried', { target: newEventId() });

describe('local events', () => {
  it('are checked against their schemas, for the store and the projectors', () => {
    expect(checkEvent(refused).ok).toBe(true);
    expect(checkEvent(retried).ok).toBe(true);
    expect(checkEvent({ ...refused, payload: { target: 'x', code: 'nope', message: '' } }).ok).toBe(
      false,
    );
  });

  it('are never storable at a relay, so a client that sends one anyway is refused', () => {
    for (const local of [refused, retried]) {
      expect(isLocalOnlyEvent(local)).toBe(true);
      const checked = checkStorable(local);
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.error.code).toBe('invalid_event');
    }
  });

  it('are kept out of the registry of shared event types', () => {
    const shared = new Set<string>(EVENT_SCHEMAS.map((s) => s.properties.type.const));
    for (const schema of LOCAL_EVENT_SCHEMAS) {
      expect(shared.has(schema.properties.type.const)).toBe(false);
    }
    expect(isLocalOnlyEvent({ type: 'message.sent' })).toBe(false);
  });
});
