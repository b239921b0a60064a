import { LIMITS } from '../../../shared/index.ts';
import type { StoredEvent } from '../db.ts';

/** Leave room in a frame for the envelope of the `push` message. */
const PUSH_BYTES_MAX = LIMITS.frameBytesMax - 1024;

/** The event as its author wrote it, without what the local store adds. */
export function wireEvent(event: StoredEvent) {
  const { id, type, v, room, author, ts, payload } = event;
  return { id, type, v, room, author, ts, payload };
}

/** Splits events into push frames that respect the relay's batch and frame limits. */
export function* batches(events: readonly StoredEvent[]): Generator<StoredEvent[]> {
  let batch: StoredEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = JSON.stringify(wireEvent(event)).length * 3;
    if (batch.length && (batch.length >= LIMITS.pushBatchMax || bytes + size > PUSH_BYTES_MAX)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += size;
  }
  if (batch.length) yield batch;
}
