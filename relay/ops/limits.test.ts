import { describe, expect, it } from 'vitest';
import { AddressCounter, RateLimiter, TokenBucket } from './limits.ts';
import { originAllowed, parseOrigins } from './origin.ts';

describe('TokenBucket', () => {
  it('lets a burst through, then the rate, and says when the next push would pass', () => {
    const bucket = new TokenBucket(10, 50, 0);
    expect(bucket.take(50, 0)).toEqual({ ok: true });
    expect(bucket.take(10, 0)).toEqual({ ok: false, retryAfterMs: 1000 });
    // Half a second refills five: five more are missing, half a second more.
    expect(bucket.take(10, 500)).toEqual({ ok: false, retryAfterMs: 500 });
    expect(bucket.take(10, 1000)).toEqual({ ok: true });
    // A refused take takes nothing.
    expect(bucket.take(1, 1000)).toEqual({ ok: false, retryAfterMs: 100 });
  });

  it('never holds more than its burst, and a clock stepping back takes nothing away', () => {
    const bucket = new TokenBucket(100, 20, 0);
    expect(bucket.take(21, 60_000)).toMatchObject({ ok: false });
    expect(bucket.take(20, 60_000)).toEqual({ ok: true });
    expect(bucket.take(5, 59_000)).toMatchObject({ ok: false });
    expect(bucket.take(5, 60_050)).toEqual({ ok: true });
  });
});

describe('RateLimiter', () => {
  it('keeps a bucket per device and forgets full ones', () => {
    const limiter = new RateLimiter(1000, 2);
    expect(limiter.take('a', 2, 0).ok).toBe(true);
    expect(limiter.take('a', 1, 0).ok).toBe(false);
    expect(limiter.take('b', 2, 0).ok).toBe(true);
    // One new device a millisecond: a sweep every 1,024 checks forgets the full buckets.
    for (let i = 0; i < 2048; i++) limiter.take(`other-${i}`, 2, 10_000 + i);
    expect(limiter.size).toBeLessThan(1024);
    expect(limiter.size).toBeGreaterThan(0);
  });

  it('lets everything through at a rate of 0', () => {
    const limiter = new RateLimiter(0, 1);
    expect(limiter.enabled).toBe(false);
    expect(limiter.take('a', 1000, 0)).toEqual({ ok: true });
    expect(limiter.size).toBe(0);
  });
});

describe('AddressCounter', () => {
  it('admits up to the limit per address, and again once one closes', () => {
    const counter = new AddressCounter(2);
    expect([counter.admit('a'), counter.admit('a'), counter.admit('a')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(counter.admit('b')).toBe(true);
    counter.release('a');
    expect(counter.admit('a')).toBe(true);
    expect(new AddressCounter(0).admit('x')).toBe(true);
  });
});

describe('originAllowed', () => {
  it("lets in the relay's own origin and clients that send none, by default", () => {
    expect(originAllowed('http://chat.example.org:8787', 'chat.example.org:8787', [])).toBe(true);
    expect(originAllowed(undefined, 'chat.example.org', [])).toBe(true);
    expect(originAllowed('https://evil.example', 'chat.example.org', [])).toBe(false);
    expect(originAllowed('http://chat.example.org:9999', 'chat.example.org:8787', [])).toBe(false);
    expect(originAllowed('null', 'chat.example.org', [])).toBe(false);
  });

  it('lets in only the configured origins when there are some, or any with *', () => {
    const allowed = ['https://chat.example.org'];
    expect(originAllowed('https://chat.example.org', 'relay.internal:8787', allowed)).toBe(true);
    expect(originAllowed('http://relay.internal:8787', 'relay.internal:8787', allowed)).toBe(false);
    expect(originAllowed('https://anything.example', 'x', ['*'])).toBe(true);
  });

  it('reads a list of origins and names one that is not an origin', () => {
    expect(parseOrigins(' https://a.example , http://b.example:8080,')).toEqual([
      'https://a.example',
      'http://b.example:8080',
    ]);
    expect(parseOrigins('*')).toEqual(['*']);
    expect(() => parseOrigins('https://a.example/path')).toThrow(/"https:\/\/a.example\/path"/);
    expect(() => parseOrigins('a.example')).toThrow(/"a.example" is not an origin/);
  });
});
