import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventId, RoomId } from '../../../shared/index.ts';
import { ROOM_RETRY_MAX_MS, ROOM_RETRY_MS, RoomNotThere } from './room-proofs.ts';

const REFUSING = 'wrong-secret' as RoomId;
const OTHER = 'busy' as RoomId;
const id = (n: number) => `event-${n}` as EventId;

describe('RoomNotThere', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** The waits between the rounds of a room the relay turns away every time. */
  function rounds(held: RoomNotThere, retries: () => number, count: number): number[] {
    const waits: number[] = [];
    for (let round = 0; round < count; round++) {
      held.hold(id(round), REFUSING);
      const before = retries();
      let waited = 0;
      while (retries() === before) {
        vi.advanceTimersByTime(ROOM_RETRY_MS / 2);
        waited += ROOM_RETRY_MS / 2;
      }
      expect(held.has(id(round))).toBe(false);
      waits.push(waited);
    }
    return waits;
  }

  it('waits twice as long each round a room is turned away, up to a minute', () => {
    let retried = 0;
    const held = new RoomNotThere(() => void (retried += 1));
    const waits = rounds(held, () => retried, 9);
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(Math.max(...waits)).toBe(ROOM_RETRY_MAX_MS);
  });

  it('starts short again once the relay takes an event of that room, not of another', () => {
    let retried = 0;
    const held = new RoomNotThere(() => void (retried += 1));
    rounds(held, () => retried, 3);
    // Other rooms' acknowledgements say nothing about this one.
    held.taken(OTHER);
    expect(rounds(held, () => retried, 1)).toEqual([8000]);
    held.taken(REFUSING);
    expect(rounds(held, () => retried, 1)).toEqual([1000]);
    // A dropped socket starts every room afresh, and drops what waits.
    held.hold(id(99), REFUSING);
    held.clear();
    expect(held.has(id(99))).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(rounds(held, () => retried, 1)).toEqual([1000]);
  });
});
