import { describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  ROOM,
  freshStore,
  messageEvent,
  nameEvent,
  sequenced,
} from '../test-helpers.ts';
import {
  newEventId,
  type AnyEvent,
  type AuthorId,
  type EventId,
  type KafkyEvent,
} from '../../../shared/index.ts';
import { openDb, type KafkyDb, type StoredEvent } from '../db.ts';
import { EventStore } from '../event-store.ts';
import { PROJECTORS } from '../projectors/index.ts';
import { byRoomOrder } from '../projectors/projector.ts';
import { prefixThrough, replayRoom, type RoomReplay } from './replay.ts';
import { timeTravel } from './time-travel.ts';

const CAROL = 'carol-0000' as AuthorId;

function event(type: string, author: AuthorId, payload: Record<string, unknown>): KafkyEvent {
  const e: AnyEvent = { id: newEventId(), type, v: 1, room: ROOM, author, ts: Date.now(), payload };
  return e as KafkyEvent;
}
const edit = (target: EventId, text: string, author: AuthorId = ALICE) =>
  event('message.edited', author, { target, text });
const remove = (target: EventId, author: AuthorId = ALICE) =>
  event('message.deleted', author, { target });
const react = (target: EventId, key: string, on: boolean, author: AuthorId) =>
  event('reaction.set', author, { target, key, on });

/**
 * A room with a history of everything the read models follow: names, joins and
 * leaves, a rename, edits (one by someone else, ignored), deletes, reactions on and
 * off, a reply; then own events still pending, one refused, and a peer's event that
 * arrives after them (so local positions and the room's order differ).
 */
async function history() {
  const { db, store } = await freshStore();
  const first = messageEvent('Meet at 5', ALICE);
  const second = messageEvent('ok', BOB);
  const reply = {
    ...messageEvent('see you', BOB),
    payload: { text: 'see you', replyTo: first.id },
  };
  const confirmed = [
    event('room.created', ALICE, { name: 'Plans' }),
    nameEvent('Alice', ALICE),
    event('member.joined', BOB, {}),
    nameEvent('Bob', BOB),
    first,
    second,
    react(first.id, '👍', true, BOB),
    edit(first.id, 'Meet at 6'),
    edit(first.id, 'hijacked', BOB),
    react(first.id, '🎉', true, ALICE),
    react(first.id, '👍', false, BOB),
    event('room.renamed', BOB, { name: 'Evening plans' }),
    remove(second.id, BOB),
    reply as KafkyEvent,
    nameEvent('Robert', BOB),
    event('member.joined', CAROL, {}),
    event('member.left', BOB, {}),
    edit(first.id, 'Meet at 7'),
  ];
  await store.applyRemote(
    ROOM,
    confirmed.map((e, i) => sequenced(e, i + 1)),
  );
  const pendingEdit = edit(first.id, 'Meet at 8');
  await store.appendLocal(pendingEdit);
  await store.appendLocal(react(reply.id, '❤️', true, ALICE));
  const refused = messageEvent('too much', ALICE);
  await store.appendLocal(refused);
  await store.markRejected(refused.id, 'invalid_event', 'refused for the test');
  const refusedRename = event('room.renamed', ALICE, { name: 'Refused name' });
  await store.appendLocal(refusedRename);
  await store.markRejected(refusedRename.id, 'invalid_event', 'refused for the test');
  await store.appendLocal(messageEvent('draft', ALICE));
  await store.applyRemote(ROOM, [sequenced(messageEvent('late', CAROL), confirmed.length + 1)]);
  const events = (await db.events.toArray()).sort(byRoomOrder);
  return { db, events, first, second, pendingEdit };
}

/** The room's read models as a projection of exactly `events` into a fresh database gives them. */
async function freshProjection(events: readonly StoredEvent[]): Promise<RoomReplay> {
  const db = openDb(`replay-check-${Math.random()}`);
  await db.events.bulkAdd(events.map((e) => ({ ...e })));
  await new EventStore(db, PROJECTORS).rebuild();
  const models = await readModels(db);
  db.close();
  return models;
}

async function readModels(db: KafkyDb): Promise<RoomReplay> {
  return {
    room: ROOM,
    view: (await db.roomViews.get(ROOM)) ?? null,
    members: (await db.members.toArray()).sort((a, b) => a.author.localeCompare(b.author)),
    messages: await db.messages
      .where('[room+section+n]')
      .between([ROOM, 0, -Infinity], [ROOM, 1, Infinity])
      .toArray(),
  };
}

function sorted(replay: RoomReplay): RoomReplay {
  return {
    ...replay,
    members: [...replay.members].sort((a, b) => a.author.localeCompare(b.author)),
  };
}

describe('replayRoom', () => {
  it('after every event, equals a fresh projection of the room up to that event', async () => {
    const { events } = await history();
    expect(events.length).toBeGreaterThan(20);
    for (const through of events) {
      const prefix = prefixThrough(events, through);
      expect(prefix.at(-1)).toEqual(through);
      const expected = await freshProjection(prefix);
      const label = `through ${through.type} at ${through.pos}`;
      expect(sorted(replayRoom(ROOM, prefix)), label).toEqual(expected);
      // The order the events come in does not matter: the room's order is in them.
      expect(sorted(replayRoom(ROOM, [...prefix].reverse())), label).toEqual(expected);
    }
  });

  it('of the whole room, equals the read models built event by event', async () => {
    const { db, events } = await history();
    expect(sorted(replayRoom(ROOM, events))).toEqual(await readModels(db));
  });
});

describe('timeTravel', () => {
  it('shows the room just after the chosen event: texts, deletes, reactions, name and members', async () => {
    const { db, events, first, second } = await history();
    const at = (type: string, n = 0) => events.filter((e) => e.type === type)[n]!;
    const firstEdit = events.find(
      (e) => e.type === 'message.edited' && (e.payload as { text: string }).text === 'Meet at 6',
    )!;
    const beforeEdit = events[events.indexOf(firstEdit) - 1]!;

    const before = await timeTravel(db, ALICE, ROOM, beforeEdit.id, 50);
    expect(before?.messages.find((m) => m.id === first.id)).toMatchObject({
      text: 'Meet at 5',
      edited: false,
      reactions: [{ key: '👍', count: 1, names: ['Bob'] }],
    });
    expect(before?.name).toBe('Plans');
    expect(before?.members.map((m) => m.name)).toEqual(['Alice', 'Bob']);

    const after = await timeTravel(db, ALICE, ROOM, firstEdit.id, 50);
    expect(after?.focus).toBe(first.id);
    expect(after?.messages.find((m) => m.id === first.id)).toMatchObject({
      text: 'Meet at 6',
      edited: true,
    });

    const deleted = await timeTravel(db, ALICE, ROOM, at('message.deleted').id, 50);
    expect(deleted?.name).toBe('Evening plans');
    expect(deleted?.messages.find((m) => m.id === second.id)).toMatchObject({
      text: '',
      deleted: true,
    });

    const left = await timeTravel(db, ALICE, ROOM, at('member.left').id, 50);
    expect(left?.members.map((m) => m.name)).toEqual(['Alice', `Guest ${CAROL.slice(0, 4)}`]);
  });

  it('replays pending events after every confirmed one, up to the chosen one', async () => {
    const { db, first, pendingEdit } = await history();
    const view = await timeTravel(db, ALICE, ROOM, pendingEdit.id, 50);
    expect(view?.through).toMatchObject({ id: pendingEdit.id, seq: null });
    expect(view?.messages.map((m) => m.text)).toContain('late');
    expect(view?.messages.find((m) => m.id === first.id)?.text).toBe('Meet at 8');
    expect(view?.messages.map((m) => m.text)).not.toContain('draft');
  });

  it('keeps to `limit` messages around the one the event touched', async () => {
    const { db, first } = await history();
    const view = await timeTravel(db, ALICE, ROOM, first.id, 1);
    expect(view?.messages.map((m) => m.id)).toEqual([first.id]);
    expect(view?.totalMessages).toBe(1);
  });

  it('changes nothing in the read models, and answers null for an event not in the room', async () => {
    const { db, events } = await history();
    const models = await readModels(db);
    for (const e of events) await timeTravel(db, ALICE, ROOM, e.id, 50);
    expect(await readModels(db)).toEqual(models);
    expect(await timeTravel(db, ALICE, ROOM, newEventId(), 50)).toBeNull();
    expect(await timeTravel(db, ALICE, 'elsewhere' as typeof ROOM, events[0]!.id, 50)).toBeNull();
  });
});
