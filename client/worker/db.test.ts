import 'fake-indexeddb/auto';
import { Dexie } from 'dexie';
import { describe, expect, it } from 'vitest';
import type { RoomId } from '../../shared/index.ts';
import { openDb } from './db.ts';
import { EventStore } from './event-store.ts';
import { PROJECTORS } from './projectors/index.ts';

/** The schema as version 7 left it, every table and index. */
const VERSION_7 = {
  events: '++pos, &id, [room+seq], payload.target, [room+type+author], [room+type+pos]',
  outbox: '&id, pos, room, [room+pos]',
  rooms: '&room',
  messages: '&id, [room+section+n], *words',
  members: '[room+author]',
  meta: '&key',
  roomViews: '&room',
  reads: '[room+author]',
  projections: '&name',
  deadLetters: '[projector+pos], pos',
  unknownEvents: '&pos',
  processes: '&id, state, *events',
  refusedEvents: '&id, received',
};

const LOBBY = 'lobby' as RoomId;
const KEYED = 'keyed' as RoomId;
const NEW = 'new' as RoomId;

describe('openDb: version 8', () => {
  it('moves each room’s cursor out of its row into the cursors table, keeping the rest', async () => {
    const name = `kafky-upgrade-${Math.random()}`;
    const old = new Dexie(name);
    old.version(7).stores(VERSION_7);
    await old.table('rooms').bulkPut([
      { room: LOBBY, cursor: 42 },
      { room: KEYED, cursor: 7, left: true, secret: 'the-secret' },
      { room: NEW, cursor: 0 },
    ]);
    old.close();

    const db = openDb(name);
    expect(await db.rooms.orderBy('room').toArray()).toEqual([
      { room: KEYED, left: true, secret: 'the-secret' },
      { room: LOBBY },
      { room: NEW },
    ]);
    expect(await db.cursors.orderBy('room').toArray()).toEqual([
      { room: KEYED, cursor: 7 },
      { room: LOBBY, cursor: 42 },
    ]);
    const rooms = await new EventStore(db, PROJECTORS).rooms();
    expect(rooms.map((r) => [r.room, r.cursor])).toEqual(
      expect.arrayContaining([
        [LOBBY, 42],
        [KEYED, 7],
        [NEW, 0],
      ]),
    );
    db.close();
  });
});

describe('cursors', () => {
  it('move without writing the rooms table, which the room list and header watch', async () => {
    const db = openDb(`kafky-cursors-${Math.random()}`);
    const store = new EventStore(db, PROJECTORS);
    await store.join(LOBBY);
    let roomWrites = 0;
    db.rooms.hook('updating', () => void (roomWrites += 1));
    db.rooms.hook('creating', () => void (roomWrites += 1));
    const event = {
      id: 'e-1',
      type: 'message.sent',
      v: 2,
      room: LOBBY,
      author: 'bob-00000',
      ts: 1,
      payload: { text: 'hi', mentions: [] },
      seq: 1,
      rts: 1,
    } as never;
    await store.applyRemote(LOBBY, [event]);
    expect(await db.cursors.get(LOBBY)).toEqual({ room: LOBBY, cursor: 1 });
    expect((await store.rooms()).find((r) => r.room === LOBBY)?.cursor).toBe(1);
    expect(roomWrites).toBe(0);
    db.close();
  });
});
