import { describe, expect, it } from 'vitest';
import { isEventId, newEventId } from './ids.ts';

describe('newEventId', () => {
  it('makes valid, unique ids that sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newEventId(1_700_000_000_000));
    expect(ids.every(isEventId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('sorts ids from a later millisecond after earlier ones', () => {
    const early = newEventId(1_700_000_000_000);
    const late = newEventId(1_700_000_000_001);
    expect(early < late).toBe(true);
  });
});
