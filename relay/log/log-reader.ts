import type Database from 'better-sqlite3';
import type { AnyEvent, RoomId, SequencedEvent } from '../../shared/index.ts';
import { storedSize, type ReadLimits } from './event-log.ts';
import { storageError } from './storage-error.ts';

interface Row {
  seq: number;
  rts: number;
  body: string;
}

/**
 * The log's reads, over any connection to its file: the writer's own, or a read-only one
 * beside it (WAL lets it read every committed transaction while the writer writes).
 */
export class LogReader {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      head: db.prepare<[string], { head: number | null }>(
        'SELECT max(seq) AS head FROM events WHERE room = ?',
      ),
      range: db.prepare<[string, number, number], Row>(
        'SELECT seq, rts, body FROM events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
    };
  }

  /** See EventLog.read. */
  read(room: RoomId, after: number, limits: ReadLimits): Promise<SequencedEvent[]> {
    try {
      const page: SequencedEvent[] = [];
      let bytes = 0;
      for (const row of this.statements.range.iterate(room, after, limits.maxEvents)) {
        bytes += storedSize(row.body);
        // Leaving the loop early ends the statement's iterator, so it can run again.
        if (page.length > 0 && bytes > limits.maxBytes) break;
        page.push({ ...(JSON.parse(row.body) as AnyEvent), seq: row.seq, rts: row.rts });
      }
      return Promise.resolve(page);
    } catch (error) {
      return Promise.reject(storageError(error, 'could not read events'));
    }
  }

  /** See EventLog.head. */
  head(room: RoomId): Promise<number> {
    try {
      return Promise.resolve(this.headNow(room));
    } catch (error) {
      return Promise.reject(storageError(error, 'could not read the head'));
    }
  }

  /** The room's highest sequence, 0 when it has none; throws SQLite's error as it is. */
  headNow(room: RoomId): number {
    return this.statements.head.get(room)?.head ?? 0;
  }
}
