import { describe, expect, it, vi } from 'vitest';
// First: it installs the fake IndexedDB that Dexie picks up as it loads.
import {
  ALICE,
  BOB,
  ROOM,
  freshStore,
  messageEvent,
  nameEvent,
  sequenced,
} from './test-helpers.ts';
import type { RoomId } from '../../shared/index.ts';
import type { RoomSummary, TimelineView } from '../api.ts';
import { watchNames, watchRooms, watchTimeline } from './live-views.ts';
import { Queries } from './queries.ts';
import { SharedLive } from './shared-live.ts';

const OTHER = 'other' as RoomId;

/** Queries that count how often each read runs, by what it was asked. */
function counted(queries: Queries) {
  const runs = new Map<string, number>();
  const count = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
  return {
    runs: (key: string) => runs.get(key) ?? 0,
    queries: {
      names: (room: RoomId) => (count(`names ${room}`), queries.names(room)),
      joinedRooms: () => (count('joined'), queries.joinedRooms()),
      roomSummary: (room: RoomId) => (count(`summary ${room}`), queries.roomSummary(room)),
      timelineRows: (...args: Parameters<Queries['timelineRows']>) => (
        count(`rows ${args[0]}`),
        queries.timelineRows(...args)
      ),
    },
  };
}

async function twoRooms() {
  const { db, store } = await freshStore();
  await store.join(OTHER);
  await store.applyRemote(ROOM, [
    sequenced(nameEvent('Bob', BOB), 1),
    sequenced(messageEvent('hi lobby', BOB), 2),
  ]);
  await store.applyRemote(OTHER, [
    sequenced(nameEvent('Bobby', BOB, OTHER), 1),
    sequenced(messageEvent('hi other', BOB, OTHER), 2),
  ]);
  const { runs, queries } = counted(new Queries(db, ALICE));
  return { db, store, runs, queries, live: new SharedLive() };
}

describe('live views', () => {
  it('a message re-reads its own room’s summary, not the other rooms’ nor anyone’s names', async () => {
    const { store, runs, queries, live } = await twoRooms();
    const seen: RoomSummary[][] = [];
    const stop = watchRooms(live, queries, (rooms) => seen.push(rooms));
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toMatchObject([
      { room: ROOM, unread: 1, lastMessage: { authorName: 'Bob', text: 'hi lobby' } },
      { room: OTHER, unread: 1, lastMessage: { authorName: 'Bobby', text: 'hi other' } },
    ]);
    const before = ['summary lobby', 'summary other', 'names lobby', 'names other', 'joined'].map(
      runs,
    );

    await store.applyRemote(ROOM, [sequenced(messageEvent('again', BOB), 3)]);
    await vi.waitFor(() => expect(seen.at(-1)?.[0]?.lastMessage?.text).toBe('again'));
    expect(seen.at(-1)?.[0]?.unread).toBe(2);
    expect(runs('summary lobby')).toBe(before[0]! + 1);
    expect([runs('summary other'), runs('names lobby'), runs('names other')]).toEqual([
      before[1],
      before[2],
      before[3],
    ]);

    // A rename re-reads that room's names, and the list shows it.
    await store.applyRemote(ROOM, [sequenced(nameEvent('Robert', BOB), 4)]);
    await vi.waitFor(() => expect(seen.at(-1)?.[0]?.lastMessage?.authorName).toBe('Robert'));
    expect(runs('names other')).toBe(before[3]);
    stop();
    expect(live.size).toBe(0);
  });

  it('lists a room joined once its summary is read, and drops a room left', async () => {
    const { db, store, queries, live } = await twoRooms();
    const seen: RoomId[][] = [];
    const stop = watchRooms(live, queries, (rooms) => seen.push(rooms.map((r) => r.room)));
    await vi.waitFor(() => expect(seen).toEqual([[ROOM, OTHER]]));

    await store.join('third' as RoomId);
    await vi.waitFor(() => expect(seen.at(-1)).toEqual([ROOM, OTHER, 'third']));
    await db.rooms.update(OTHER, { left: true });
    await vi.waitFor(() => expect(seen.at(-1)).toEqual([ROOM, 'third']));
    // Never a list with a room whose summary was not there yet.
    expect(seen).toEqual([
      [ROOM, OTHER],
      [ROOM, OTHER, 'third'],
      [ROOM, 'third'],
    ]);
    stop();
    // The left room's queries stopped with it; the rest with the watch.
    expect(live.size).toBe(0);
  });

  it('a timeline re-reads its rows on a message and its names on a rename', async () => {
    const { store, runs, queries, live } = await twoRooms();
    const seen: TimelineView[] = [];
    const stop = watchTimeline(live, queries, ALICE, ROOM, { kind: 'latest', limit: 10 }, (v) =>
      seen.push(v),
    );
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]?.messages.map((m) => [m.authorName, m.text])).toEqual([['Bob', 'hi lobby']]);
    const names = runs('names lobby');

    const mine = messageEvent('mine');
    await store.appendLocal(mine);
    await vi.waitFor(() => expect(seen.at(-1)?.messages.at(-1)?.text).toBe('mine'));
    expect(seen.at(-1)?.messages.at(-1)).toMatchObject({ own: true, state: 'pending' });
    expect(runs('names lobby')).toBe(names);

    await store.applyRemote(ROOM, [sequenced(nameEvent('Robert', BOB), 3)]);
    await vi.waitFor(() => expect(seen.at(-1)?.messages[0]?.authorName).toBe('Robert'));
    expect(runs('names lobby')).toBe(names + 1);
    stop();
    expect(live.size).toBe(0);
  });

  it('shares one names query between every view of a room', async () => {
    const { runs, queries, live } = await twoRooms();
    const first: string[][] = [];
    const second: string[][] = [];
    const stopFirst = watchNames(live, queries, ROOM, (n) => first.push([...n.values()]));
    await vi.waitFor(() => expect(first).toEqual([['Bob']]));
    const stopSecond = watchNames(live, queries, ROOM, (n) => second.push([...n.values()]));
    expect(second).toEqual([['Bob']]);
    expect(runs('names lobby')).toBe(1);
    stopFirst();
    stopSecond();
    expect(live.size).toBe(0);
  });
});
