import { describe, expect, it } from 'vitest';
import { newEventId, type AnyEvent, type AuthorId, type RoomId } from '../../shared/index.ts';
import type { EventLog } from './event-log.ts';

export const ROOM_A = 'room-a' as RoomId;
export const ROOM_B = 'room-b' as RoomId;

const ALL = { maxEvents: 10_000, maxBytes: 1e9 };

/** A valid `message.sent` event; also used by the sync tests. */
export function event(room: RoomId = ROOM_A, text = 'hi'): AnyEvent {
  return {
    id: newEventId(),
    type: 'message.sent',
    v: 1,
    room,
    author: 'author-0001' as AuthorId,
    ts: 1_700_000_000_000,
    payload: { text },
  };
}

/**
 * The behaviour every EventLog must have, run against each implementation. `open` must
 * return a fresh, empty log each time.
 */
export function describeEventLog(name: string, open: () => Promise<EventLog> | EventLog): void {
  describe(`EventLog contract: ${name}`, () => {
    it('has a non-empty epoch that fits the welcome frame', async () => {
      const log = await open();
      expect(typeof log.epoch).toBe('string');
      expect(log.epoch.length).toBeGreaterThan(0);
      expect(log.epoch.length).toBeLessThanOrEqual(64);
      await log.close();
    });

    it('gives dense sequences per room, from 1, with the relay time', async () => {
      const log = await open();
      expect(await log.head(ROOM_A)).toBe(0);
      const results = await log.append([event(ROOM_A), event(ROOM_B), event(ROOM_A)], 42);
      expect(results.map((r) => [r.room, r.seq, r.rts, r.duplicate])).toEqual([
        [ROOM_A, 1, 42, false],
        [ROOM_B, 1, 42, false],
        [ROOM_A, 2, 42, false],
      ]);
      const more = await log.append([event(ROOM_A), event(ROOM_B)], 43);
      expect(more.map((r) => [r.room, r.seq, r.rts])).toEqual([
        [ROOM_A, 3, 43],
        [ROOM_B, 2, 43],
      ]);
      expect(await log.head(ROOM_A)).toBe(3);
      expect(await log.head(ROOM_B)).toBe(2);
      expect(await log.head('empty' as RoomId)).toBe(0);
      expect((await log.read(ROOM_A, 0, ALL)).map((e) => e.seq)).toEqual([1, 2, 3]);
      await log.close();
    });

    it('answers results in input order, with each id', async () => {
      const log = await open();
      const events = [event(ROOM_B), event(ROOM_A), event(ROOM_B)];
      const results = await log.append(events, 1);
      expect(results.map((r) => r.id)).toEqual(events.map((e) => e.id));
      await log.close();
    });

    it('stores an id once and answers a repeat with its original place and time', async () => {
      const log = await open();
      const first = event();
      const [original] = await log.append([first], 10);
      const again = await log.append([event(), first], 20);
      expect(again[1]).toEqual({ ...original, duplicate: true });
      expect(again[1]?.rts).toBe(10);
      expect(again[0]).toMatchObject({ seq: 2, rts: 20, duplicate: false });
      // A repeat that names another room still gets the original place, and stores nothing.
      const moved = await log.append([{ ...first, room: ROOM_B }], 30);
      expect(moved).toEqual([{ ...original, duplicate: true }]);
      expect(await log.head(ROOM_A)).toBe(2);
      expect(await log.head(ROOM_B)).toBe(0);
      expect(await log.read(ROOM_A, 0, ALL)).toHaveLength(2);
      await log.close();
    });

    it('stores an id repeated within one append once', async () => {
      const log = await open();
      const twice = event();
      const results = await log.append([twice, event(), twice], 1);
      expect(results.map((r) => [r.seq, r.duplicate])).toEqual([
        [1, false],
        [2, false],
        [1, true],
      ]);
      expect(await log.read(ROOM_A, 0, ALL)).toHaveLength(2);
      expect(await log.head(ROOM_A)).toBe(2);
      await log.close();
    });

    it('stores an event under an idempotency key once; a repeat gets the first event’s place', async () => {
      const log = await open();
      const first = event(ROOM_A, 'from a bot');
      const [stored] = await log
        .append([event(ROOM_A), first], 10, new Map([[first.id, 'k-1']]))
        .then((r) => r.slice(1));
      expect(stored).toMatchObject({ id: first.id, seq: 2, duplicate: false });
      // A retry builds a new event (a new id) under the same key, even in another room.
      const retry = event(ROOM_B, 'from a bot');
      const other = event(ROOM_A, 'another');
      const again = await log.append(
        [retry, other],
        20,
        new Map([
          [retry.id, 'k-1'],
          [other.id, 'k-2'],
        ]),
      );
      expect(again).toEqual([
        { ...stored, duplicate: true },
        { id: other.id, room: ROOM_A, seq: 3, rts: 20, duplicate: false },
      ]);
      // Twice in one append: stored once.
      const [a, b] = [event(ROOM_A), event(ROOM_A)];
      const twice = await log.append(
        [a, b],
        30,
        new Map([
          [a.id, 'k-3'],
          [b.id, 'k-3'],
        ]),
      );
      expect(twice.map((r) => [r.id, r.seq, r.duplicate])).toEqual([
        [a.id, 4, false],
        [a.id, 4, true],
      ]);
      expect(await log.head(ROOM_A)).toBe(4);
      expect(await log.head(ROOM_B)).toBe(0);
      await log.close();
    });

    it('reads the events after a sequence, in order, as they were written', async () => {
      const log = await open();
      const events = Array.from({ length: 5 }, (_, i) => event(ROOM_A, `m${i}`));
      await log.append(events, 7);
      await log.append([event(ROOM_B)], 8);
      const page = await log.read(ROOM_A, 2, ALL);
      expect(page.map((e) => e.seq)).toEqual([3, 4, 5]);
      expect(page[0]).toEqual({ ...events[2], seq: 3, rts: 7 });
      expect(await log.read(ROOM_A, 5, ALL)).toEqual([]);
      expect(await log.read(ROOM_A, 99, ALL)).toEqual([]);
      expect(await log.read('empty' as RoomId, 0, ALL)).toEqual([]);
      await log.close();
    });

    it('keeps what it stored apart from the caller’s objects', async () => {
      const log = await open();
      const original = event(ROOM_A, 'before');
      await log.append([original], 1);
      (original.payload as { text: string }).text = 'after';
      const [read] = await log.read(ROOM_A, 0, ALL);
      expect(read?.payload).toEqual({ text: 'before' });
      await log.close();
    });

    it('bounds a page by events and by bytes, but always returns at least one', async () => {
      const log = await open();
      await log.append(
        Array.from({ length: 10 }, () => event(ROOM_A, 'x'.repeat(1000))),
        1,
      );
      const byCount = await log.read(ROOM_A, 0, { maxEvents: 4, maxBytes: 1e6 });
      expect(byCount.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      // Each event is a little over 1,000 bytes of JSON: 3,500 bytes hold three of them.
      const byBytes = await log.read(ROOM_A, 2, { maxEvents: 100, maxBytes: 3500 });
      expect(byBytes.map((e) => e.seq)).toEqual([3, 4, 5]);
      const tiny = await log.read(ROOM_A, 7, { maxEvents: 100, maxBytes: 10 });
      expect(tiny.map((e) => e.seq)).toEqual([8]);
      await log.close();
    });
  });
}
