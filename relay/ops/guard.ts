import type { ErrorMessage } from '../../shared/index.ts';
import { AddressCounter, RateLimiter, type RelayLimits } from './limits.ts';
import type { RelayMetrics } from './metrics.ts';

/**
 * The hub's limits on what clients may do, each refusal an `error` frame with its code:
 * pushes (their size, and each device's rate), rooms per connection, and sockets per
 * address. It counts what it refuses in the metrics.
 */
export class ClientGuard {
  private readonly rates: RateLimiter;
  private readonly addresses: AddressCounter;

  constructor(
    readonly limits: RelayLimits,
    private readonly metrics: RelayMetrics,
    private readonly now: () => number,
  ) {
    this.rates = new RateLimiter(limits.eventsPerSecond, limits.eventBurst);
    this.addresses = new AddressCounter(limits.maxConnectionsPerAddress);
  }

  /** Whether one more socket from `address` is within the limit, without counting it. */
  admits(address: string): boolean {
    const max = this.limits.maxConnectionsPerAddress;
    return max === 0 || this.addresses.count(address) < max;
  }

  /** Counts a socket from `address`; a refusal if that passes the limit. '' is not counted. */
  admit(address: string): ErrorMessage | null {
    if (address === '' || this.addresses.admit(address)) return null;
    this.metrics.connectionsRefused.inc({ reason: 'too_many_connections' });
    return {
      type: 'error',
      code: 'too_many_connections',
      message: `at most ${this.limits.maxConnectionsPerAddress} connections from one address`,
      fatal: true,
    };
  }

  release(address: string): void {
    if (address !== '') this.addresses.release(address);
  }

  /**
   * Whether a push of `count` events by `device` may go on; if not, the frame that
   * refuses it whole. Over the rate, it says when to retry: a push before then is
   * refused too, so a device's events are never stored out of the order it sent them.
   */
  push(device: string, count: number, draining: boolean): ErrorMessage | null {
    this.metrics.eventsIn.inc(count);
    const refusal = this.pushRefusal(device, count, draining);
    if (refusal) this.metrics.refused(refusal.code, count);
    return refusal;
  }

  /** A refusal of one more room for a connection following `following` already. */
  room(following: number): ErrorMessage | null {
    const max = this.limits.maxRoomsPerConnection;
    if (following < max) return null;
    return {
      type: 'error',
      code: 'too_many_rooms',
      message: `a connection may follow at most ${max} rooms on this relay; unsubscribe from one first`,
    };
  }

  private pushRefusal(device: string, count: number, draining: boolean): ErrorMessage | null {
    if (draining) {
      return {
        type: 'error',
        code: 'shutting_down',
        message:
          'the relay is shutting down: nothing of this push was stored; push it again after reconnecting',
      };
    }
    const max = this.limits.maxPushEvents;
    if (count > max) {
      return {
        type: 'error',
        code: 'push_too_large',
        message: `a push may carry at most ${max} events on this relay; this one has ${count}`,
      };
    }
    const checked = this.rates.take(device, count, this.now());
    if (checked.ok) return null;
    return {
      type: 'error',
      code: 'rate_limited',
      message: `more than ${this.limits.eventsPerSecond} events a second: nothing of this push was stored; push it again in ${checked.retryAfterMs} ms`,
      retryAfterMs: checked.retryAfterMs,
    };
  }
}
