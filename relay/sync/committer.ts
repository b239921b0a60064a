import type { AnyEvent } from '../../shared/index.ts';
import type { AppendResult, EventLog } from '../log/event-log.ts';

interface Submission {
  events: readonly AnyEvent[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: pushes that arrive while a commit is being prepared or written share
 * the next one, so durability costs one fsync per batch rather than one per event.
 */
export class Committer {
  private queue: Submission[] = [];
  private scheduled = false;

  constructor(
    private readonly log: EventLog,
    private readonly now: () => number = Date.now,
  ) {}

  submit(events: readonly AnyEvent[]): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the current I/O phase, so every frame already read joins this commit.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const results = await this.log.append(
          batch.flatMap((s) => s.events),
          this.now(),
        );
        let offset = 0;
        for (const submission of batch) {
          submission.resolve(results.slice(offset, offset + submission.events.length));
          offset += submission.events.length;
        }
      } catch (error) {
        for (const submission of batch) submission.reject(error);
      }
    }
    this.scheduled = false;
  }
}
