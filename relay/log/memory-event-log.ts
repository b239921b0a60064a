import type { AnyEvent, RoomId, SequencedEvent } from '../../shared/index.ts';
import { randomId, type AppendResult, type EventLog, type ReadLimits } from './event-log.ts';

/** A log that lives in memory: for fast tests, and as the interface's second implementation. */
export class MemoryEventLog implements EventLog {
  readonly epoch = randomId();
  private readonly rooms = new Map<RoomId, SequencedEvent[]>();
  private readonly byId = new Map<string, SequencedEvent>();

  append(events: readonly AnyEvent[], now: number): Promise<AppendResult[]> {
    const results = events.map((event) => {
      const known = this.byId.get(event.id);
      if (known)
        return { id: known.id, room: known.room, seq: known.seq, rts: known.rts, duplicate: true };
      const room = this.rooms.get(event.room) ?? [];
      this.rooms.set(event.room, room);
      const stored = { ...event, seq: room.length + 1, rts: now };
      room.push(stored);
      this.byId.set(event.id, stored);
      return { id: stored.id, room: stored.room, seq: stored.seq, rts: now, duplicate: false };
    });
    return Promise.resolve(results);
  }

  read(room: RoomId, after: number, limits: ReadLimits): Promise<SequencedEvent[]> {
    const page: SequencedEvent[] = [];
    let bytes = 0;
    for (const event of (this.rooms.get(room) ?? []).slice(after, after + limits.maxEvents)) {
      bytes += JSON.stringify(event).length;
      if (page.length > 0 && bytes > limits.maxBytes) break;
      page.push(structuredClone(event));
    }
    return Promise.resolve(page);
  }

  head(room: RoomId): Promise<number> {
    return Promise.resolve(this.rooms.get(room)?.length ?? 0);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
