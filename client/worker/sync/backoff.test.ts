import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.ts';

describe('Backoff', () => {
  it('doubles its ceiling up to the cap, and starts again after reset', () => {
    const backoff = new Backoff(100, 1000, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('spreads delays with jitter below the ceiling', () => {
    const backoff = new Backoff(1000, 30_000, () => 0.25);
    expect(backoff.next()).toBe(250);
    expect(backoff.next()).toBe(500);
  });
});
