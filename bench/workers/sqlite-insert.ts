/**
 * Baseline (b): raw better-sqlite3 inserts of the rows the relay stores, into the relay's
 * table (see relay/log/sqlite-event-log.ts), WAL with synchronous=FULL, `batch` rows per
 * transaction as the relay's group commit batched them. No sockets, no validation, no
 * duplicate check: the floor of durable storage on this disk.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../lib/procs.ts';
import { monoMs } from '../lib/stats.ts';
import { authorId, chatEvent, roomId } from '../lib/wire.ts';

const TABLE = `CREATE TABLE events (
  room TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
  v INTEGER NOT NULL, author TEXT NOT NULL, ts INTEGER NOT NULL, rts INTEGER NOT NULL,
  body TEXT NOT NULL, PRIMARY KEY (room, seq)
) STRICT, WITHOUT ROWID`;

type Row = [string, number, string, string, number, string, number, number, string];

function run(args: { events: number; batch: number; rooms: number; clients: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'kafky-bench-sqlite-'));
  const db = new Database(join(dir, 'raw.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(TABLE);
    const insert = db.prepare<Row>('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const heads = new Map<string, number>();
    const rows: Row[] = Array.from({ length: args.events }, (_, i) => {
      const author = authorId(i % args.clients);
      const room = roomId((i % args.clients) % args.rooms);
      const event = chatEvent(
        room,
        author,
        `bench message ${i} from ${author}, about sixty characters`,
      );
      const seq = (heads.get(room) ?? 0) + 1;
      heads.set(room, seq);
      return [
        room,
        seq,
        event.id,
        event.type,
        event.v,
        author,
        event.ts,
        Date.now(),
        JSON.stringify(event),
      ];
    });
    const commit = db.transaction((batch: Row[]) => {
      for (const row of batch) insert.run(...row);
    });
    const latencies: number[] = [];
    const start = monoMs();
    for (let i = 0; i < rows.length; i += args.batch) {
      const t = monoMs();
      commit.immediate(rows.slice(i, i + args.batch));
      latencies.push(monoMs() - t);
    }
    return { seconds: (monoMs() - start) / 1000, latencies };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

serve({ run });
