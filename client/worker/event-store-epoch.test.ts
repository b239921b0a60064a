import { describe, expect, it } from 'vitest';
import type { RoomId } from '../../shared/index.ts';
import type { KafkyDb } from './db.ts';
import {
  ALICE,
  BOB,
  ROOM,
  freshStore,
  messageEvent,
  nameEvent,
  sequenced,
} from './test-helpers.ts';

const OTHER = 'other-room' as RoomId;

/** The read models as the UI sees them: each room's messages in order, and its names. */
async function readModels(db: KafkyDb) {
  const messages = await db.messages.orderBy('[room+section+n]').toArray();
  const members = await db.members.toArray();
  return {
    messages: messages.map(({ room, text, state, section, n, seq }) => ({
      room,
      text,
      state,
      section,
      n,
      seq,
    })),
    members: members.map(({ room, author, name }) => ({ room, author, name })),
  };
}

describe('EventStore: rebuilding read models', () => {
  it('rebuilds exactly what the projectors built event by event', async () => {
    const { db, store } = await freshStore();
    await store.join(OTHER);
    const refused = nameEvent('Refused');
    await store.applyRemote(ROOM, [
      sequenced(nameEvent('Bobby', BOB), 1),
      sequenced(messageEvent('hi', BOB), 2),
    ]);
    await store.appendLocal(nameEvent('Al'));
    const acked = messageEvent('acked');
    await store.appendLocal(acked);
    await store.appendLocal(messageEvent('pending'));
    await store.appendLocal(messageEvent('elsewhere', ALICE, OTHER));
    await store.appendLocal(refused);
    await store.applyAcks([{ id: acked.id, room: ROOM, seq: 3, rts: 1 }]);
    await store.markRejected(refused.id, 'invalid_event', 'no');
    await store.applyRemote(ROOM, [sequenced(nameEvent('Robert', BOB), 4)]);

    const incremental = await readModels(db);
    await store.rebuild();
    const rebuilt = await readModels(db);
    // The refused rename left no name behind incrementally; a rebuild restores "Al".
    expect(rebuilt.messages).toEqual(incremental.messages);
    expect(rebuilt.members).toEqual(
      expect.arrayContaining([
        { room: ROOM, author: BOB, name: 'Robert' },
        { room: ROOM, author: ALICE, name: 'Al' },
      ]),
    );
    expect(rebuilt.messages.map((m) => m.text)).toEqual(['hi', 'acked', 'pending', 'elsewhere']);
  });
});

describe('EventStore: a new relay epoch', () => {
  it('does nothing on first contact or when the epoch is unchanged', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [sequenced(messageEvent('x', BOB), 1)]);
    expect(await store.adoptEpoch('e1')).toEqual({ changed: false, requeued: 0 });
    expect(await store.adoptEpoch('e1')).toEqual({ changed: false, requeued: 0 });
    expect((await db.cursors.get(ROOM))?.cursor).toBe(1);
    expect(await store.getMeta('epoch')).toBe('e1');
  });

  it('voids the old places, queues own events again in local order and keeps everything', async () => {
    const { db, store } = await freshStore();
    await store.setMeta('author', ALICE);
    await store.adoptEpoch('old');
    const first = messageEvent('mine first');
    const second = messageEvent('mine second');
    const refused = messageEvent('mine refused');
    await store.applyRemote(ROOM, [sequenced(messageEvent('bob early', BOB), 1)]);
    await store.appendLocal(first);
    await store.appendLocal(second);
    await store.appendLocal(refused);
    await store.appendLocal(messageEvent('mine still pending'));
    await store.applyAcks([
      { id: second.id, room: ROOM, seq: 2, rts: 1 },
      { id: first.id, room: ROOM, seq: 3, rts: 1 },
    ]);
    await store.markRejected(refused.id, 'invalid_event', 'no');
    expect(await store.pendingCount()).toBe(1);

    expect(await store.adoptEpoch('new')).toEqual({ changed: true, requeued: 2 });

    expect(await store.getMeta('epoch')).toBe('new');
    expect((await db.cursors.get(ROOM))?.cursor ?? 0).toBe(0);
    expect(await db.events.filter((e) => e.seq !== undefined).count()).toBe(0);
    expect(await db.events.count()).toBe(5);
    // Own events in the order they were written, not the old relay's order.
    expect((await store.outbox(ROOM, 10)).map((e) => e.payload)).toEqual([
      { text: 'mine first', mentions: [] },
      { text: 'mine second', mentions: [] },
      { text: 'mine still pending', mentions: [] },
    ]);
    const { messages } = await readModels(db);
    expect(messages.map((m) => [m.text, m.state])).toEqual([
      ['bob early', 'pending'],
      ['mine first', 'pending'],
      ['mine second', 'pending'],
      ['mine refused', 'failed'],
      ['mine still pending', 'pending'],
    ]);

    // The new relay's catch-up gives places back, and the read models follow.
    await store.applyRemote(ROOM, [sequenced(messageEvent('bob new', BOB), 1)]);
    await store.applyAcks([{ id: second.id, room: ROOM, seq: 2, rts: 2 }]);
    expect((await readModels(db)).messages.slice(0, 2).map((m) => [m.text, m.state])).toEqual([
      ['bob new', 'delivered'],
      ['mine second', 'delivered'],
    ]);
  });
});

describe('EventStore: own events queued again after a new epoch', () => {
  it('are never drafts: an edit or a delete must follow as new events', async () => {
    const { store } = await freshStore();
    await store.setMeta('author', ALICE);
    await store.adoptEpoch('old');
    const sent = messageEvent('published');
    await store.appendLocal(sent);
    await store.claimForPush([sent.id]);
    await store.applyAcks([{ id: sent.id, room: ROOM, seq: 1, rts: 1 }]);
    await store.adoptEpoch('new');
    expect((await store.outbox(ROOM, 10)).map((e) => e.id)).toEqual([sent.id]);
    // Others hold it as it was: rewriting it in place would make them disagree for ever.
    expect(await store.reviseDraft(sent.id, { text: 'rewritten', mentions: [] })).toBe(false);
    expect(await store.reviseDraft(sent.id, null)).toBe(false);
  });
});

describe('EventStore: per-room outbox queues', () => {
  it('keeps one ordered queue per room', async () => {
    const { store } = await freshStore();
    await store.join(OTHER);
    await store.appendLocal(messageEvent('a1'));
    await store.appendLocal(messageEvent('b1', ALICE, OTHER));
    await store.appendLocal(messageEvent('a2'));
    expect([...(await store.outboxRooms())].sort()).toEqual([ROOM, OTHER].sort());
    expect((await store.outbox(ROOM, 10)).map((e) => e.payload)).toEqual([
      { text: 'a1', mentions: [] },
      { text: 'a2', mentions: [] },
    ]);
    expect((await store.outbox(ROOM, 1)).map((e) => e.payload)).toEqual([
      { text: 'a1', mentions: [] },
    ]);
    expect((await store.outbox(OTHER, 10)).map((e) => e.payload)).toEqual([
      { text: 'b1', mentions: [] },
    ]);
  });
});
