import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readEvent,
  type AnyEvent,
  type MessageRelation,
  type MessageSent,
  type RoomId,
  type SequencedEvent,
} from '../../shared/index.ts';
import { SqliteEventLog } from '../log/sqlite-event-log.ts';
import { envInteger, seededRandom } from '../testing/randomized.ts';
import { AUTHORS, make, randomHistory } from './history.ts';
import { applyRelation, messageState, visibleReactions } from './message-rules.ts';
import { READ_VERSION } from './read-model.ts';
import { query, ReadQueries } from './queries.ts';

const [ANN, BOB, CY] = AUTHORS as [(typeof AUTHORS)[0], (typeof AUTHORS)[0], (typeof AUTHORS)[0]];
const LOBBY = 'lobby' as RoomId;
const OTHER = 'room-b' as RoomId;

const dir = mkdtempSync(join(tmpdir(), 'kafky-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A log on `:memory:` SQLite with its queries; events appended one call each unless batched. */
async function opened(...batches: AnyEvent[][]) {
  const log = new SqliteEventLog(':memory:');
  let now = 1000;
  for (const batch of batches) await log.append(batch, ++now);
  return { log, queries: new ReadQueries(log.database) };
}

/** Every read table, row by row, in a fixed order. */
function dump(log: SqliteEventLog) {
  const all = (sql: string) => log.database.prepare(sql).all();
  return {
    rooms: all('SELECT * FROM rooms ORDER BY id'),
    messages: all('SELECT * FROM messages ORDER BY id'),
    pending: all('SELECT * FROM pending_relations ORDER BY room, target, seq'),
    failures: all('SELECT * FROM read_failures ORDER BY room, seq'),
  };
}

const one = (...events: AnyEvent[]) => events.map((e) => [e]);

describe('the read side: rooms', () => {
  it('names a room after its latest room.created or room.renamed, and counts what happens', async () => {
    const { queries } = await opened(
      ...one(
        make.created(OTHER, ANN, 'Plans'),
        make.sent(OTHER, BOB, 'hi'),
        make.renamed(OTHER, BOB, 'Holiday plans'),
        make.unknown(OTHER, CY),
        make.sent(LOBBY, CY, 'hello'),
      ),
    );
    expect(queries.room(OTHER)).toEqual({
      id: OTHER,
      name: 'Holiday plans',
      createdBy: ANN,
      head: 4,
      messages: 1,
      lastActivity: 1004,
    });
    expect(queries.room(LOBBY)).toMatchObject({
      name: null,
      createdBy: null,
      head: 1,
      messages: 1,
    });
    // The most recently active first.
    expect(queries.rooms().map((r) => r.id)).toEqual([LOBBY, OTHER]);
    expect(queries.room('nowhere' as RoomId)).toBeUndefined();
  });
});

describe('the read side: messages', () => {
  it('applies the author’s edits and deletion, and no one else’s', async () => {
    const kept = make.sent(LOBBY, ANN, 'first');
    const gone = make.sent(LOBBY, BOB, 'secret', { replyTo: kept.id });
    const { queries } = await opened(
      ...one(
        kept,
        gone,
        make.edited(LOBBY, ANN, kept.id, 'second'),
        make.edited(LOBBY, BOB, kept.id, 'hijack'),
        make.deleted(LOBBY, ANN, gone.id),
        make.reaction(LOBBY, ANN, gone.id, '👍', true),
        make.edited(LOBBY, BOB, gone.id, 'edited secret'),
        make.deleted(LOBBY, BOB, gone.id),
        make.edited(LOBBY, BOB, gone.id, 'revived?'),
      ),
    );
    const { messages, next } = queries.messages(LOBBY, { limit: 10 });
    expect(next).toBeNull();
    expect(messages).toEqual([
      {
        id: gone.id,
        room: LOBBY,
        seq: 2,
        author: BOB,
        text: '',
        ts: gone.ts,
        rts: 1002,
        replyTo: kept.id,
        edited: false,
        deleted: true,
        reactions: [],
      },
      expect.objectContaining({
        id: kept.id,
        seq: 1,
        text: 'second',
        edited: true,
        deleted: false,
      }),
    ]);
  });

  it('toggles reactions once per author and key', async () => {
    const m = make.sent(LOBBY, ANN, 'react to me');
    const { queries } = await opened(
      ...one(
        m,
        make.reaction(LOBBY, BOB, m.id, '👍', true),
        make.reaction(LOBBY, BOB, m.id, '👍', true),
        make.reaction(LOBBY, CY, m.id, '🎉', true),
        make.reaction(LOBBY, CY, m.id, '👍', true),
        make.reaction(LOBBY, BOB, m.id, '👍', false),
      ),
    );
    expect(queries.messages(LOBBY, { limit: 1 }).messages[0]?.reactions).toEqual([
      { key: '👍', authors: [CY] },
      { key: '🎉', authors: [CY] },
    ]);
  });

  it('applies relations that came before their message, in the room’s order', async () => {
    const m = make.sent(LOBBY, ANN, 'late');
    const { log, queries } = await opened(
      ...one(
        make.reaction(LOBBY, BOB, m.id, '👍', true),
        make.edited(LOBBY, ANN, m.id, 'edited before it came'),
        make.reaction(LOBBY, CY, m.id, '👀', true),
        make.reaction(LOBBY, BOB, m.id, '👍', false),
        m,
      ),
    );
    expect(queries.messages(LOBBY, { limit: 5 }).messages).toEqual([
      expect.objectContaining({
        id: m.id,
        text: 'edited before it came',
        edited: true,
        reactions: [{ key: '👀', authors: [CY] }],
      }),
    ]);
    // Once applied, nothing waits any more.
    expect(dump(log).pending).toEqual([]);
  });

  it('ignores a relation to a message of another room, whichever comes first', async () => {
    const here = make.sent(LOBBY, ANN, 'here');
    const later = make.sent(LOBBY, ANN, 'later');
    const { log, queries } = await opened(
      ...one(
        here,
        make.edited(OTHER, ANN, here.id, 'from elsewhere'),
        make.deleted(OTHER, ANN, later.id),
        make.reaction(OTHER, BOB, later.id, '👍', true),
        later,
      ),
    );
    expect(queries.messages(LOBBY, { limit: 5 }).messages.map((m) => [m.text, m.deleted])).toEqual([
      ['later', false],
      ['here', false],
    ]);
    expect(queries.messages(OTHER, { limit: 5 }).messages).toEqual([]);
    // The other room's relations wait for a message of theirs, which never comes.
    expect(dump(log).pending.map((p) => (p as { room: RoomId }).room)).toEqual([
      OTHER,
      OTHER,
      OTHER,
    ]);
  });

  it('reads an older version of a message through its upcaster', async () => {
    const old = make.sentV1(LOBBY, ANN, 'from an older client');
    const { queries } = await opened([old]);
    expect(queries.messages(LOBBY, { limit: 5 }).messages[0]).toMatchObject({
      id: old.id,
      text: 'from an older client',
    });
  });

  it('pages newest first, with a cursor for the next page', async () => {
    const sent = Array.from({ length: 7 }, (_, i) => make.sent(LOBBY, ANN, `m${i + 1}`));
    const { queries } = await opened(sent.slice(0, 4), [make.unknown(LOBBY, ANN)], sent.slice(4));
    const first = queries.messages(LOBBY, { limit: 3 });
    expect(first.messages.map((m) => [m.text, m.seq])).toEqual([
      ['m7', 8],
      ['m6', 7],
      ['m5', 6],
    ]);
    expect(first.next).toBe(6);
    const second = queries.messages(LOBBY, { before: first.next!, limit: 3 });
    expect(second.messages.map((m) => m.text)).toEqual(['m4', 'm3', 'm2']);
    const last = queries.messages(LOBBY, { before: second.next!, limit: 3 });
    expect(last).toEqual({ messages: [expect.objectContaining({ text: 'm1' })], next: null });
  });
});

describe('the read side: queries', () => {
  it('prepares only statements that cannot write', () => {
    const log = new SqliteEventLog(':memory:');
    expect(() => new ReadQueries(log.database)).not.toThrow();
    expect(() => query(log.database, 'SELECT count(*) FROM messages')).not.toThrow();
    expect(() => query(log.database, "UPDATE messages SET text = 'x'")).toThrow(/must not write/);
    expect(() => query(log.database, 'DELETE FROM rooms')).toThrow(/must not write/);
  });
});

describe('the read side: projection failures and rebuilds', () => {
  it('keeps an append whose projection throws, records it, and projects the rest of the batch', async () => {
    const log = new SqliteEventLog(':memory:');
    log.database.exec(`CREATE TRIGGER boom BEFORE INSERT ON messages
      WHEN NEW.text = 'boom' BEGIN SELECT RAISE(ABORT, 'projector bug'); END;`);
    const bad = make.sent(LOBBY, ANN, 'boom');
    const results = await log.append(
      [make.sent(LOBBY, ANN, 'fine'), bad, make.sent(LOBBY, BOB, 'also fine')],
      5,
    );
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(await log.head(LOBBY)).toBe(3);
    const queries = new ReadQueries(log.database);
    expect(queries.messages(LOBBY, { limit: 5 }).messages.map((m) => m.text)).toEqual([
      'also fine',
      'fine',
    ]);
    expect(queries.room(LOBBY)).toMatchObject({ head: 3, messages: 2 });
    expect(log.readModel.failures()).toEqual([
      { room: LOBBY, seq: 2, id: bad.id, error: expect.stringMatching(/projector bug/) as string },
    ]);
    // Once the bug is fixed, a rebuild projects it.
    log.database.exec('DROP TRIGGER boom');
    log.readModel.rebuild();
    expect(queries.messages(LOBBY, { limit: 5 }).messages).toHaveLength(3);
    expect(log.readModel.failures()).toEqual([]);
  });

  it('rebuilds at open when its version changed, and not otherwise', async () => {
    const file = join(dir, `log-${++files}.sqlite`);
    const first = new SqliteEventLog(file);
    expect(first.rebuiltOnOpen).toBe(true);
    await first.append([make.sent(LOBBY, ANN, 'kept'), make.created(OTHER, BOB, 'B')], 1);
    const before = dump(first);
    await first.close();

    const same = new SqliteEventLog(file);
    expect(same.rebuiltOnOpen).toBe(false);
    // Stand in for a relay whose projection changed: it finds another version recorded.
    same.database.prepare("UPDATE meta SET value = '0' WHERE key = 'read_version'").run();
    same.database.exec('DELETE FROM messages');
    await same.close();

    const progress: [number, number][] = [];
    const upgraded = new SqliteEventLog(file, {
      onRebuild: (done, total) => progress.push([done, total]),
    });
    expect(upgraded.rebuiltOnOpen).toBe(true);
    expect(progress).toEqual([[2, 2]]);
    expect(dump(upgraded)).toEqual(before);
    expect(
      upgraded.database.prepare("SELECT value FROM meta WHERE key = 'read_version'").get(),
    ).toEqual({
      value: String(READ_VERSION),
    });
    await upgraded.close();
  });

  // `admitted`: as the relay's writer projects, trusting the schema checks of admission.
  it.each([false, true])(
    'gives, rebuilt from the log, tables identical to the incremental ones on a long random history (admitted: %s)',
    async (admitted) => {
      const seed = envInteger('KAFKY_READ_SEED', 20_261_127, 0);
      const random = seededRandom(seed);
      const history = randomHistory(random, envInteger('KAFKY_READ_EVENTS', 3000, 1));
      const log = new SqliteEventLog(':memory:', { admitted });
      // Batches of random sizes, rooms interleaved, as group commits make them.
      for (let i = 0; i < history.length;) {
        const size = 1 + Math.floor(random() * 30);
        await log.append(history.slice(i, i + size), 1000 + i);
        i += size;
      }
      const incremental = dump(log);
      expect(incremental.messages.length).toBeGreaterThan(history.length / 4);
      expect(incremental.pending.length).toBeGreaterThan(0);
      // The history exercises every rule, not just plain messages.
      const rows = incremental.messages as { edited: number; deleted: number; reactions: string }[];
      expect(rows.filter((m) => m.edited).length).toBeGreaterThan(10);
      expect(rows.filter((m) => m.deleted).length).toBeGreaterThan(10);
      expect(rows.filter((m) => m.reactions.includes('-author-')).length).toBeGreaterThan(10);
      expect(incremental.failures).toEqual([]);

      const progress: number[] = [];
      expect(log.readModel.rebuild({ onProgress: (done) => progress.push(done) })).toEqual({
        events: history.length,
      });
      expect(progress.at(-1)).toBe(history.length);
      expect(dump(log), `seed ${seed}`).toEqual(incremental);

      // And both agree with the rules applied naively: each message folded with every
      // relation of its room that names it, in sequence order.
      const queries = new ReadQueries(log.database);
      const expected = await naive(log);
      for (const room of queries.rooms()) {
        const shown = queries.messages(room.id, { limit: 100_000 }).messages;
        expect(
          shown.map(({ id, text, edited, deleted, reactions }) => ({
            id,
            text,
            edited,
            deleted,
            reactions,
          })),
          `seed ${seed}`,
        ).toEqual(
          expected
            .filter((m) => m.room === room.id)
            .reverse()
            .map(({ room: _, ...rest }) => rest),
        );
      }
    },
  );
});

async function naive(log: SqliteEventLog) {
  const rooms = log.database
    .prepare<[], { room: RoomId }>('SELECT DISTINCT room FROM events')
    .all();
  const result = [];
  for (const { room } of rooms) {
    const events: SequencedEvent[] = await log.read(room, 0, { maxEvents: 1e9, maxBytes: 1e12 });
    const read = events.flatMap(({ seq: _seq, rts: _rts, ...e }) => {
      const r = readEvent(e);
      return r.kind === 'current' ? [r.event] : [];
    });
    for (const message of read.filter((e): e is MessageSent => e.type === 'message.sent')) {
      const relations = read.filter(
        (e): e is MessageRelation =>
          e.type !== 'message.sent' && 'target' in e.payload && e.payload.target === message.id,
      );
      const state = relations.reduce(applyRelation, messageState(message));
      result.push({
        room,
        id: message.id,
        text: state.text,
        edited: state.edited,
        deleted: state.deleted,
        reactions: visibleReactions(state),
      });
    }
  }
  return result;
}
