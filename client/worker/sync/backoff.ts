/**
 * Reconnect delays: exponential, capped, with full jitter so that a relay coming back
 * is not hit by every browser at the same instant.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 500,
    private readonly capMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(ceiling * this.random());
  }

  reset(): void {
    this.attempt = 0;
  }
}
