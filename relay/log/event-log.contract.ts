import { describe, expect, it } from 'vitest';
import { newEventId, type AnyEvent, type AuthorId, type RoomId } from '../../shared/index.ts';
import type { EventLog } from './event-log.ts';

export const ROOM_A = 'room-a' as RoomId;
export const ROOM_B = 'room-b' as RoomId;

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

/** The behaviour every EventLog must have, run against each implementation. */
export function describeEventLog(name: string, open: () => Promise<EventLog> | EventLog): void {
  describe(`EventLog contract: ${name}`, () => {
    it('has a non-empty epoch', async () => {
      const log = await open();
      expect(log.epoch).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
      await log.close();
    });

    it('gives dense sequences per room, from 1, with the relay time', async () => {
      const log = await open();
      const results = await log.append([event(ROOM_A), event(ROOM_B), event(ROOM_A)], 42);
      expect(results.map((r) => [r.room, r.seq, r.rts, r.duplicate])).toEqual([
        [ROOM_A, 1, 42, false],
        [ROOM_B, 1, 42, false],
        [ROOM_A, 2, 42, false],
      ]);
      const more = await log.append([event(ROOM_A)], 43);
      expect(more[0]?.seq).toBe(3);
      expect(await log.head(ROOM_A)).toBe(3);
      expect(await log.head(ROOM_B)).toBe(1);
      expect(await log.head('empty' as RoomId)).toBe(0);
      await log.close();
    });

    it('stores an id once and answers a repeat with the original place', async () => {
      const log = await open();
      const first = event();
      const [original] = await log.append([first], 10);
      const again = await log.append([event(), first], 20);
      expect(again[1]).toEqual({ ...original, duplicate: true });
      expect(again[0]?.seq).toBe(2);
      expect(await log.head(ROOM_A)).toBe(2);
      await log.close();
    });

    it('stores an id repeated within one append once', async () => {
      const log = await open();
      const twice = event();
      const results = await log.append([twice, twice], 1);
      expect(results.map((r) => [r.seq, r.duplicate])).toEqual([
        [1, false],
        [1, true],
      ]);
      expect((await log.read(ROOM_A, 0, { maxEvents: 10, maxBytes: 1e6 })).length).toBe(1);
      await log.close();
    });

    it('reads a range after a sequence, in order, with the stored event intact', async () => {
      const log = await open();
      const events = Array.from({ length: 5 }, (_, i) => event(ROOM_A, `m${i}`));
      await log.append(events, 7);
      await log.append([event(ROOM_B)], 8);
      const page = await log.read(ROOM_A, 2, { maxEvents: 10, maxBytes: 1e6 });
      expect(page.map((e) => e.seq)).toEqual([3, 4, 5]);
      expect(page[0]).toEqual({ ...events[2], seq: 3, rts: 7 });
      expect(await log.read(ROOM_A, 5, { maxEvents: 10, maxBytes: 1e6 })).toEqual([]);
      await log.close();
    });

    it('bounds a page by events and by bytes, but always returns at least one', async () => {
      const log = await open();
      await log.append(
        Array.from({ length: 10 }, () => event(ROOM_A, 'x'.repeat(1000))),
        1,
      );
      expect((await log.read(ROOM_A, 0, { maxEvents: 4, maxBytes: 1e6 })).length).toBe(4);
      const byBytes = await log.read(ROOM_A, 0, { maxEvents: 100, maxBytes: 3500 });
      expect(byBytes.length).toBeGreaterThanOrEqual(2);
      expect(byBytes.length).toBeLessThanOrEqual(3);
      expect((await log.read(ROOM_A, 0, { maxEvents: 100, maxBytes: 10 })).length).toBe(1);
      await log.close();
    });
  });
}
