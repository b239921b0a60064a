import type { AnyEvent } from '../../shared/index.ts';
import type { AppendResult, EventLog, IdempotencyKeys } from '../log/event-log.ts';

interface Submission {
  events: readonly AnyEvent[];
  keys: IdempotencyKeys | undefined;
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Batches the writer may hold at once: one being committed and the next, queued behind
 * it, so that a writer on its own thread starts the next commit the moment one is on
 * disk, without waiting for this thread to hear of it and send more.
 */
const IN_FLIGHT = 2;

/**
 * Group commit: submissions that arrive in the same tick, or while earlier commits are
 * being written, share the next `log.append`, so durability costs one fsync per batch
 * rather than one per push.
 *
 * Submissions resolve in the order they were made, one batch after the other. The hub
 * relies on this: it forwards events in the order their promises settle, which is then
 * sequence order.
 */
export class Committer {
  private queue: Submission[] = [];
  private scheduled = false;
  private inFlight = 0;
  /** Settles once every batch handed to the log so far has been settled; never rejects. */
  private tail: Promise<void> = Promise.resolve();
  /** When the last batch was settled (performance.now()): a batch's commit starts after it. */
  private lastSettled = 0;

  constructor(
    private readonly log: EventLog,
    private readonly now: () => number = Date.now,
    /** Told of each commit written: its events, and the seconds the append took (metrics). */
    private readonly onCommit?: (events: number, seconds: number) => void,
  ) {}

  submit(events: readonly AnyEvent[], keys?: IdempotencyKeys): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, keys, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or being written, e.g. before closing the log. */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) {
      await (this.inFlight > 0 ? this.tail : new Promise((resolve) => setImmediate(resolve)));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= IN_FLIGHT) return;
    this.scheduled = true;
    // Wait out the current I/O phase, so that every frame already read joins this commit.
    setImmediate(() => {
      this.scheduled = false;
      this.write();
    });
  }

  private write(): void {
    if (this.queue.length === 0 || this.inFlight >= IN_FLIGHT) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight += 1;
    const keyed = batch.filter((s) => s.keys && s.keys.size > 0);
    const keys = keyed.length > 0 ? new Map(keyed.flatMap((s) => [...s.keys!])) : undefined;
    const sent = performance.now();
    const events = batch.flatMap((s) => s.events);
    const appending = Promise.resolve().then(() => this.log.append(events, this.now(), keys));
    // Handled below, in order, once the batch before it settles: mark it handled now so an
    // early failure is not an unhandled rejection meanwhile.
    appending.catch(() => undefined);
    // Settled strictly in order, whatever order the log answers in.
    this.tail = this.tail
      .then(() => appending)
      .then(
        (results) => {
          // A writer holds one commit at a time: this one began when the previous one ended.
          const settled = performance.now();
          let offset = 0;
          for (const submission of batch) {
            submission.resolve(results.slice(offset, offset + submission.events.length));
            offset += submission.events.length;
          }
          // After the batch is answered: a failing metrics hook must not fail stored events.
          try {
            this.onCommit?.(results.length, (settled - Math.max(sent, this.lastSettled)) / 1000);
          } catch (error) {
            console.error('kafky relay: the commit hook failed', error);
          }
        },
        (error: unknown) => {
          for (const submission of batch) submission.reject(error);
        },
      )
      .finally(() => {
        this.lastSettled = performance.now();
        this.inFlight -= 1;
        this.schedule();
      });
  }
}
