import { describe, expect, it } from 'vitest';
import { KafkyError } from '../../shared/index.ts';
import {
  ALICE,
  BOB,
  ROOM,
  freshStore,
  messageEvent,
  nameEvent,
  sequenced,
} from './test-helpers.ts';

describe('EventStore', () => {
  it('appends a local event to the log, the outbox and the read model in one go', async () => {
    const { db, store } = await freshStore();
    const event = messageEvent('hello');
    const stored = await store.appendLocal(event);

    expect(stored.pos).toBeGreaterThan(0);
    expect(await db.events.count()).toBe(1);
    expect((await store.outbox(ROOM, 10)).map((e) => e.id)).toEqual([event.id]);
    const row = await db.messages.get(event.id);
    expect(row).toMatchObject({ text: 'hello', state: 'pending', section: 1, n: stored.pos });
  });

  it('refuses an invalid event and stores nothing', async () => {
    const { db, store } = await freshStore();
    const bad = messageEvent('   ');
    await expect(store.appendLocal(bad)).rejects.toBeInstanceOf(KafkyError);
    await expect(store.appendLocal(bad)).rejects.toMatchObject({ code: 'invalid_event' });
    expect(await db.events.count()).toBe(0);
    expect(await db.messages.count()).toBe(0);
  });

  it('reports a full quota as storage_full with a readable message, storing nothing', async () => {
    const { db } = await freshStore();
    const { EventStore } = await import('./event-store.ts');
    // IndexedDB fails a write that would pass the quota with a QuotaExceededError.
    const full = new EventStore(db, [
      {
        name: 'quota',
        version: 1,
        tables: [],
        types: ['message.sent'],
        apply: () => Promise.reject(new DOMException('quota reached', 'QuotaExceededError')),
      },
    ]);
    const failure = await full.appendLocal(messageEvent('x')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KafkyError);
    expect(failure).toMatchObject({ code: 'storage_full', message: /no room left/ });
    expect(await db.events.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
  });

  it('rolls back the append when storage fails under a projector, so log and read model agree', async () => {
    const { db } = await freshStore();
    const { EventStore } = await import('./event-store.ts');
    // A projector's own bug sets the event aside (see projection-runner.test.ts); a lost
    // transaction is no event's fault, and fails the whole write.
    const failing = new EventStore(db, [
      {
        name: 'aborted',
        version: 1,
        tables: [],
        types: ['message.sent'],
        apply: () => Promise.reject(new DOMException('gone', 'AbortError')),
      },
    ]);
    await expect(failing.appendLocal(messageEvent('x'))).rejects.toMatchObject({
      code: 'storage_failed',
    });
    expect(await db.events.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
  });

  it('turns a local event delivered on ack, leaves the outbox and advances the cursor', async () => {
    const { db, store } = await freshStore();
    const event = messageEvent('hi');
    await store.appendLocal(event);
    const confirmed = await store.applyAcks([{ id: event.id, room: ROOM, seq: 1, rts: 99 }]);

    expect(confirmed.map((e) => [e.id, e.seq])).toEqual([[event.id, 1]]);
    expect(await store.outbox(ROOM, 10)).toEqual([]);
    expect(await db.messages.get(event.id)).toMatchObject({
      state: 'delivered',
      seq: 1,
      section: 0,
      n: 1,
    });
    expect((await store.rooms())[0]?.cursor).toBe(1);
    // A second ack for the same event changes nothing.
    expect(await store.applyAcks([{ id: event.id, room: ROOM, seq: 1, rts: 99 }])).toEqual([]);
  });

  it('projects a batch appended at once as event by event, relations to its own messages too', async () => {
    const { db, store } = await freshStore();
    const first = messageEvent('one');
    const second = messageEvent('two');
    const reaction = {
      ...messageEvent('x'),
      type: 'reaction.set' as const,
      v: 1 as const,
      payload: { target: first.id, key: '👍', on: true },
    };
    const stored = await store.appendLocalAll([first, second, reaction]);

    expect(stored.map((e) => e.pos)).toEqual([...stored.map((e) => e.pos)].sort((a, b) => a - b));
    expect((await store.outbox(ROOM, 10)).map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(await db.messages.get(first.id)).toMatchObject({
      text: 'one',
      reactions: [{ key: '👍', authors: [ALICE] }],
      n: stored[0]!.pos,
    });
    expect(await db.messages.get(second.id)).toMatchObject({ text: 'two', reactions: [] });
    const live = await db.projections.get('*');
    expect(live?.position).toBe(stored[2]!.pos);
  });

  it('stores several acks of one frame, each once, and moves the cursor past all of them', async () => {
    const { db, store } = await freshStore();
    const events = [messageEvent('a'), messageEvent('b'), messageEvent('c')];
    for (const event of events) await store.appendLocal(event);
    const acks = events.map((event, i) => ({ id: event.id, room: ROOM, seq: i + 1, rts: 9 }));
    const confirmed = await store.applyAcks([...acks, acks[1]!]);

    expect(confirmed.map((e) => [e.id, e.seq])).toEqual(events.map((e, i) => [e.id, i + 1]));
    expect(await store.outbox(ROOM, 10)).toEqual([]);
    const rows = await db.messages.bulkGet(events.map((e) => e.id));
    expect(rows.map((row) => [row?.state, row?.seq])).toEqual([
      ['delivered', 1],
      ['delivered', 2],
      ['delivered', 3],
    ]);
    expect(await store.cursor(ROOM)).toBe(3);
    // Stored whole, with the place the relay gave.
    expect((await db.events.toArray()).map((e) => [e.seq, e.rts, e.payload])).toEqual(
      events.map((e, i) => [i + 1, 9, e.payload]),
    );
  });

  it('adds events from the relay once, however often they arrive', async () => {
    const { db, store } = await freshStore();
    const first = sequenced(messageEvent('one', BOB), 1);
    const second = sequenced(messageEvent('two', BOB), 2);
    const applied = await store.applyRemote(ROOM, [first, second]);
    expect(applied.added.map((e) => e.id)).toEqual([first.id, second.id]);

    const again = await store.applyRemote(ROOM, [first, second]);
    expect(again).toEqual({ added: [], confirmed: [] });
    expect(await db.events.count()).toBe(2);
    expect((await store.rooms())[0]?.cursor).toBe(2);
  });

  it('confirms an own event that comes back in a catch-up after its ack was lost', async () => {
    const { db, store } = await freshStore();
    const event = messageEvent('lost ack');
    await store.appendLocal(event);
    const applied = await store.applyRemote(ROOM, [sequenced(event, 1)]);
    expect(applied.added).toEqual([]);
    expect(applied.confirmed.map((e) => e.id)).toEqual([event.id]);
    expect(await db.events.count()).toBe(1);
    expect(await store.pendingCount()).toBe(0);
  });

  it('keeps the cursor below a gap until the missing sequence arrives', async () => {
    const { store } = await freshStore();
    await store.applyRemote(ROOM, [
      sequenced(messageEvent('1', BOB), 1),
      sequenced(messageEvent('3', BOB), 3),
      sequenced(messageEvent('4', BOB), 4),
      sequenced(messageEvent('6', BOB), 6),
    ]);
    expect((await store.rooms())[0]?.cursor).toBe(1);
    // The gap filled: the cursor runs on over what was held beyond it, to the next gap.
    await store.applyRemote(ROOM, [sequenced(messageEvent('2', BOB), 2)]);
    expect((await store.rooms())[0]?.cursor).toBe(4);
  });

  it('stores an event of an unknown type without projecting it', async () => {
    const { db, store } = await freshStore();
    const future = {
      ...sequenced(messageEvent('x', BOB), 1),
      type: 'poll.created',
      v: 1,
      payload: { q: '?' },
    };
    const applied = await store.applyRemote(ROOM, [future]);
    expect(applied.added).toHaveLength(1);
    expect(await db.events.count()).toBe(1);
    expect(await db.messages.count()).toBe(0);
  });

  it('marks a refused event failed, keeps it in the log and stops sending it', async () => {
    const { db, store } = await freshStore();
    const event = messageEvent('refused');
    await store.appendLocal(event);
    await store.markRejected(event.id, 'invalid_event', 'too long');
    expect(await store.outbox(ROOM, 10)).toEqual([]);
    expect(await db.events.count()).toBe(1);
    expect(await db.messages.get(event.id)).toMatchObject({
      state: 'failed',
      error: { code: 'invalid_event', message: 'too long' },
    });
  });

  it('orders confirmed messages by sequence before pending ones in local order', async () => {
    const { db, store } = await freshStore();
    const mine1 = messageEvent('mine 1');
    const mine2 = messageEvent('mine 2');
    await store.appendLocal(mine1);
    await store.appendLocal(mine2);
    // Bob's message was sequenced first, though it reaches us after we wrote ours.
    await store.applyRemote(ROOM, [sequenced(messageEvent('bob', BOB), 1)]);
    const order = async () =>
      (
        await db.messages
          .where('[room+section+n]')
          .between([ROOM, 0, -Infinity], [ROOM, 1, Infinity])
          .toArray()
      ).map((m) => m.text);
    expect(await order()).toEqual(['bob', 'mine 1', 'mine 2']);
    await store.applyAcks([{ id: mine2.id, room: ROOM, seq: 2, rts: 1 }]);
    expect(await order()).toEqual(['bob', 'mine 2', 'mine 1']);
  });

  it('gives each browser one stable author id', async () => {
    const { store } = await freshStore();
    const author = await store.author();
    expect(author).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(await store.author()).toBe(author);
  });

  it('keeps names per room, the latest in the room order winning', async () => {
    const { db, store } = await freshStore();
    const early = nameEvent('Al');
    const late = nameEvent('Alice');
    await store.applyRemote(ROOM, [sequenced(late, 2)]);
    await store.applyRemote(ROOM, [sequenced(early, 1)]);
    expect((await db.members.get([ROOM, ALICE]))?.name).toBe('Alice');
  });
});
