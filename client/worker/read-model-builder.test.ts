import { describe, expect, it } from 'vitest';
// First: it puts a fake IndexedDB in place before Dexie looks for one.
import { ALICE, BOB, ROOM, messageEvent, nameEvent, sequenced } from './test-helpers.ts';
import { EVENT_REGISTRY, newEventId, type KafkyEvent } from '../../shared/index.ts';
import { openDb, type KafkyDb } from './db.ts';
import { EventStore } from './event-store.ts';
import { ProjectionQueries } from './projection-queries.ts';
import { PROJECTORS } from './projectors/index.ts';
import type { Projector, Registry } from './projectors/projector.ts';

let counter = 0;
const newDb = () => openDb(`kafky-builder-${++counter}-${Math.random()}`);

/** The real projectors, counting the events each is handed; some at a bumped version. */
function counting(bumped: readonly string[] = [], failAfter?: { events: number }) {
  const seen = new Map<string, number>();
  const projectors = PROJECTORS.map((projector): Projector => {
    const count = (n: number) => {
      seen.set(projector.name, (seen.get(projector.name) ?? 0) + n);
      if (failAfter && (seen.get(projector.name) ?? 0) > failAfter.events) {
        // The tab closes mid-build: the transaction is lost, no event is to blame.
        throw new DOMException('the page went away', 'AbortError');
      }
    };
    return {
      ...projector,
      version: projector.version + (bumped.includes(projector.name) ? 1 : 0),
      async apply(ctx, event) {
        count(1);
        await projector.apply(ctx, event);
      },
      async applyMany(ctx, events) {
        count(events.length);
        if (projector.applyMany) await projector.applyMany(ctx, events);
        else for (const event of events) await projector.apply(ctx, event);
      },
    };
  });
  return { projectors, seen };
}

async function started(
  db: KafkyDb,
  projectors: readonly Projector[] = PROJECTORS,
  options: { registry?: Registry; buildChunk?: number } = {},
) {
  const store = new EventStore(db, projectors, options);
  const marked = await store.readModels.prepare();
  const nowKnown = await store.readModels.projectNowKnown();
  await store.readModels.build();
  await store.join(ROOM);
  return { store, marked, nowKnown };
}

/** A room with `n` confirmed messages by Bob, and Bob's name. */
async function history(store: EventStore, n: number) {
  const events = [
    sequenced(nameEvent('Bob', BOB), 1),
    ...Array.from({ length: n }, (_, i) => sequenced(messageEvent(`m${i}`, BOB), i + 2)),
  ];
  await store.applyRemote(ROOM, events);
  return events;
}

async function tables(db: KafkyDb) {
  return {
    messages: await db.messages.toArray(),
    members: await db.members.toArray(),
    roomViews: await db.roomViews.toArray(),
    reads: await db.reads.toArray(),
  };
}

describe('projector positions', () => {
  it('are written with the read models: the newest event each has seen', async () => {
    const db = newDb();
    const { store } = await started(db);
    await history(store, 3);
    const mine = messageEvent('mine');
    const stored = await store.appendLocal(mine);
    const positions = async () =>
      Object.fromEntries(
        (await new ProjectionQueries(db).projections()).map((p) => [p.name, p.position]),
      );
    expect(await positions()).toEqual({
      messages: stored.pos,
      members: stored.pos,
      rooms: stored.pos,
      reads: stored.pos,
    });
    // A write that adds nothing to the log moves nothing.
    await store.applyAcks([{ id: mine.id, room: ROOM, seq: 5, rts: 1 }]);
    expect(await positions()).toMatchObject({ messages: stored.pos });
    expect((await db.projections.toArray()).every((p) => p.rebuild === undefined)).toBe(true);
  });

  it('make a start project nothing when the read models are up to date', async () => {
    const db = newDb();
    const first = await started(db);
    await history(first.store, 50);
    const { projectors, seen } = counting();
    const again = await started(db, projectors);
    expect(again.marked).toEqual([]);
    expect(again.nowKnown).toBe(0);
    expect(seen.size).toBe(0);
  });
});

describe('read-model builds', () => {
  it('rebuild only the read models of a projector whose version changed, at start', async () => {
    const db = newDb();
    const first = await started(db);
    await history(first.store, 20);
    const before = await tables(db);
    // A row no projector would write: it stays unless its table is rebuilt.
    await db.members.put({ ...before.members[0]!, name: 'Not rebuilt' });
    await db.messages.update(before.messages[0]!.id, { text: 'stale' });

    const { projectors, seen } = counting(['messages']);
    const { marked } = await started(db, projectors);
    expect(marked).toEqual(['messages']);
    expect([...seen.keys()]).toEqual(['messages']);
    const after = await tables(db);
    expect(after.messages).toEqual(before.messages);
    expect(after.members.map((m) => m.name)).toEqual(['Not rebuilt']);
    expect((await db.projections.get('messages'))?.version).toBe(PROJECTORS[0]!.version + 1);
  });

  it('resume after a crash from the position they recorded, a chunk per transaction', async () => {
    const db = newDb();
    const first = await started(db);
    const events = await history(first.store, 40);
    const before = await tables(db);

    // The messages projector changes; the tab dies after some chunks of its rebuild.
    const crashing = counting(['messages'], { events: 25 });
    const store = new EventStore(db, crashing.projectors, { buildChunk: 10 });
    await store.readModels.prepare();
    await expect(store.readModels.build()).rejects.toMatchObject({ code: 'storage_failed' });
    const stopped = await db.projections.get('messages');
    expect(stopped).toMatchObject({ position: 20, rebuild: { target: events.length } });

    // The next start goes on from there: the first 20 events are not projected again.
    const resumed = counting(['messages']);
    const { marked } = await started(db, resumed.projectors, { buildChunk: 10 });
    expect(marked).toEqual(['messages']);
    expect(resumed.seen.get('messages')).toBe(events.length - 20);
    expect(await tables(db)).toEqual(before);
    expect((await db.projections.get('messages'))?.rebuild).toBeUndefined();
  });

  it('keep a projector that is rebuilding in step with live writes', async () => {
    const db = newDb();
    const first = await started(db);
    await history(first.store, 30);
    const { projectors } = counting(['messages']);
    const store = new EventStore(db, projectors, { buildChunk: 7 });
    await store.readModels.prepare();
    // Sent while the rebuild has not begun: projected live, and again by the rebuild.
    const live = await store.appendLocal(messageEvent('during the rebuild'));
    expect((await db.projections.get('messages'))?.position).toBe(0);
    await store.readModels.build();
    expect((await db.messages.get(live.id))?.text).toBe('during the rebuild');
    expect(await db.messages.count()).toBe(31);
    expect((await db.projections.get('messages'))?.position).toBe(live.pos);
  });
});

describe('unknown events', () => {
  const reaction = (target: KafkyEvent['id'], seq: number) =>
    sequenced(
      {
        ...messageEvent('x', BOB),
        id: newEventId(),
        type: 'reaction.set',
        v: 1,
        payload: { target, key: '👍', on: true },
      },
      seq,
    );

  it('are kept, listed and not projected, then projected after an upgrade that knows them', async () => {
    const db = newDb();
    const older: Registry = EVENT_REGISTRY.without(['reaction.set']);
    const { store } = await started(db, PROJECTORS, { registry: older });
    const message = sequenced(messageEvent('react to me', ALICE), 1);
    const thumbs = reaction(message.id, 2);
    await store.applyRemote(ROOM, [message, thumbs]);

    expect(await db.events.count()).toBe(2);
    expect((await store.rooms())[0]?.cursor).toBe(2);
    expect(await db.unknownEvents.toArray()).toMatchObject([
      { id: thumbs.id, type: 'reaction.set', v: 1, room: ROOM },
    ]);
    expect((await db.messages.get(message.id))?.reactions).toEqual([]);
    // Nor does a rebuild by the older code project it.
    await store.rebuild();
    expect((await db.messages.get(message.id))?.reactions).toEqual([]);
    expect(await db.unknownEvents.count()).toBe(1);

    // The upgrade: same database, a registry that knows reactions.
    const upgraded = await started(db);
    expect(upgraded.marked).toEqual([]);
    expect(upgraded.nowKnown).toBe(1);
    expect(await db.unknownEvents.count()).toBe(0);
    expect((await db.messages.get(message.id))?.reactions).toEqual([{ key: '👍', authors: [BOB] }]);
  });

  it('of a newer version of a known type are kept aside the same way', async () => {
    const db = newDb();
    const { store } = await started(db);
    const v3 = { ...sequenced(messageEvent('from the future', BOB), 1), v: 3 };
    await store.applyRemote(ROOM, [v3]);
    expect(await db.unknownEvents.toArray()).toMatchObject([{ id: v3.id, v: 3 }]);
    expect(await db.messages.count()).toBe(0);
  });

  it('upcast old versions: a v1 message is projected as v2, mentioning no one', async () => {
    const db = newDb();
    const { store } = await started(db);
    const old = sequenced(messageEvent('@Bob hi', ALICE), 1);
    const v1 = { ...old, v: 1, payload: { text: '@Bob hi' } } as never;
    await store.applyRemote(ROOM, [v1]);
    expect(await db.messages.get(old.id)).toMatchObject({ text: '@Bob hi', mentions: [] });
    expect(await db.unknownEvents.count()).toBe(0);
    expect(await db.deadLetters.count()).toBe(0);
  });
});
