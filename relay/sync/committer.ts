import type { AnyEvent } from '../../shared/index.ts';
import type { AppendResult, EventLog, IdempotencyKeys } from '../log/event-log.ts';

interface Submission {
  events: readonly AnyEvent[];
  keys: IdempotencyKeys | undefined;
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: submissions that arrive in the same tick, or while a commit is being
 * written, share the next `log.append`, so durability costs one fsync per batch rather
 * than one per push.
 *
 * Submissions resolve in the order they were made, one batch after the other. The hub
 * relies on this: it forwards events in the order their promises settle, which is then
 * sequence order.
 */
export class Committer {
  private queue: Submission[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly now: () => number = Date.now,
    /** Told of each commit written: its events, and the seconds the append took (metrics). */
    private readonly onCommit?: (events: number, seconds: number) => void,
  ) {}

  submit(events: readonly AnyEvent[], keys?: IdempotencyKeys): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, keys, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves once nothing is queued or being written, e.g. before closing the log. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Wait out the current I/O phase, so that every frame already read joins this commit.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      let results: AppendResult[];
      const keyed = batch.filter((s) => s.keys && s.keys.size > 0);
      const keys = keyed.length > 0 ? new Map(keyed.flatMap((s) => [...s.keys!])) : undefined;
      const started = performance.now();
      try {
        results = await this.log.append(
          batch.flatMap((s) => s.events),
          this.now(),
          keys,
        );
        this.onCommit?.(results.length, (performance.now() - started) / 1000);
      } catch (error) {
        for (const submission of batch) submission.reject(error);
        continue;
      }
      let offset = 0;
      for (const submission of batch) {
        submission.resolve(results.slice(offset, offset + submission.events.length));
        offset += submission.events.length;
      }
    }
    this.draining = undefined;
  }
}
