import { KafkyError, type AnyEvent, type RoomId, type SequencedEvent } from '../../shared/index.ts';
import {
  randomId,
  storedSize,
  type AppendResult,
  type EventLog,
  type IdempotencyKeys,
  type ReadLimits,
} from './event-log.ts';

interface Stored {
  seq: number;
  rts: number;
  /** The event's JSON: kept as text, as SQLite does, so a caller's object is never shared. */
  body: string;
}

/** A log that lives in memory: for fast tests, and as the interface's second implementation. */
export class MemoryEventLog implements EventLog {
  readonly epoch = randomId();
  private readonly rooms = new Map<RoomId, Stored[]>();
  private readonly byId = new Map<string, AppendResult>();
  private readonly byKey = new Map<string, AppendResult>();
  private closed = false;

  append(
    events: readonly AnyEvent[],
    now: number,
    keys?: IdempotencyKeys,
  ): Promise<AppendResult[]> {
    if (this.closed) return Promise.reject(closedError());
    // Nothing below can fail half-way, so this loop is as atomic as a transaction.
    const results = events.map((event): AppendResult => {
      const key = keys?.get(event.id);
      const known = (key !== undefined && this.byKey.get(key)) || this.byId.get(event.id);
      const result = known ? { ...known, duplicate: true } : this.store(event, now);
      if (key !== undefined && !this.byKey.has(key)) this.byKey.set(key, result);
      return result;
    });
    return Promise.resolve(results);
  }

  private store(event: AnyEvent, now: number): AppendResult {
    const room = this.rooms.get(event.room) ?? [];
    this.rooms.set(event.room, room);
    const seq = room.length + 1;
    room.push({ seq, rts: now, body: JSON.stringify(event) });
    const result = { id: event.id, room: event.room, seq, rts: now, duplicate: false };
    this.byId.set(event.id, result);
    return result;
  }

  read(room: RoomId, after: number, limits: ReadLimits): Promise<SequencedEvent[]> {
    if (this.closed) return Promise.reject(closedError());
    const page: SequencedEvent[] = [];
    let bytes = 0;
    // Sequences are dense from 1, so the event with seq s sits at index s - 1.
    for (const stored of (this.rooms.get(room) ?? []).slice(after, after + limits.maxEvents)) {
      bytes += storedSize(stored.body);
      if (page.length > 0 && bytes > limits.maxBytes) break;
      page.push({ ...(JSON.parse(stored.body) as AnyEvent), seq: stored.seq, rts: stored.rts });
    }
    return Promise.resolve(page);
  }

  head(room: RoomId): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    return Promise.resolve(this.rooms.get(room)?.length ?? 0);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function closedError(): KafkyError {
  return new KafkyError('storage_failed', 'the event log is closed');
}
