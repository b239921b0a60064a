import { LIMITS } from '../../shared/index.ts';
import { DEFAULT_MAX_EVENT_BYTES } from '../sync/admission.ts';

/** The limits a relay enforces on its clients; see docs/operations.md. */
export interface RelayLimits {
  /** A text frame larger than this is refused with `frame_too_large`. */
  maxFrameBytes: number;
  /** An event whose JSON is larger is refused with `event_too_large`. */
  maxEventBytes: number;
  /** Events in one `push`; a larger push is refused whole with `push_too_large`. */
  maxPushEvents: number;
  /** Rooms one connection may be subscribed to at once (`too_many_rooms`). */
  maxRoomsPerConnection: number;
  /** Open sockets from one address; 0 for no limit. */
  maxConnectionsPerAddress: number;
  /** Events a device (an author, or a connection that names none) may push per second; 0 for no limit. */
  eventsPerSecond: number;
  /** How many events a device may push at once before the rate applies. */
  eventBurst: number;
  /** Unsent bytes a socket may have queued before it is closed as a slow consumer. */
  maxBufferedBytes: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxFrameBytes: LIMITS.frameBytesMax,
  maxEventBytes: DEFAULT_MAX_EVENT_BYTES,
  maxPushEvents: LIMITS.pushBatchMax,
  maxRoomsPerConnection: 1000,
  maxConnectionsPerAddress: 64,
  eventsPerSecond: 100,
  eventBurst: 2000,
  maxBufferedBytes: 4 * 1024 * 1024,
};

/** The answer of a rate check: either go, or wait this long first. */
export type RateCheck = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * A token bucket: `burst` tokens, refilled at `rate` per second. Taking `n` either takes
 * them all or none, and says how long until `n` would be there.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  take(n: number, now: number): RateCheck {
    this.refill(now);
    if (this.tokens >= n) {
      this.tokens -= n;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((n - this.tokens) / this.rate) * 1000) };
  }

  /** Whether the bucket is full again, so that forgetting it changes nothing. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    // A clock that steps back refills nothing rather than taking tokens away.
    const elapsed = Math.max(0, now - this.at);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.rate);
    this.at = Math.max(this.at, now);
  }
}

/**
 * One token bucket per key (a device). Full buckets are forgotten now and then, so the
 * map holds only devices that pushed recently.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private checks = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  get enabled(): boolean {
    return this.rate > 0;
  }

  take(key: string, n: number, now: number): RateCheck {
    if (!this.enabled) return { ok: true };
    if (++this.checks % 1024 === 0) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(n, now);
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
  }
}

/** Open sockets per remote address, for `maxConnectionsPerAddress`. */
export class AddressCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts a new socket from `address`, unless that would pass the limit. */
  admit(address: string): boolean {
    const count = this.open.get(address) ?? 0;
    if (this.max > 0 && count >= this.max) return false;
    this.open.set(address, count + 1);
    return true;
  }

  release(address: string): void {
    const count = (this.open.get(address) ?? 0) - 1;
    if (count > 0) this.open.set(address, count);
    else this.open.delete(address);
  }

  count(address: string): number {
    return this.open.get(address) ?? 0;
  }
}
