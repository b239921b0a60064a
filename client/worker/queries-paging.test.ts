import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { KafkyEvent } from '../../shared/index.ts';
import { Queries, UNREAD_MAX } from './queries.ts';
import { ALICE, BOB, ROOM, freshStore, messageEvent, sequenced } from './test-helpers.ts';

/** Counts the rows IndexedDB hands over from now on: by getAll, and one per cursor step. */
function countReads() {
  const getAll = vi.spyOn(IDBIndex.prototype, 'getAll');
  const open = vi.spyOn(IDBIndex.prototype, 'openCursor');
  const step = vi.spyOn(IDBCursor.prototype, 'continue');
  onTestFinished(() => {
    vi.restoreAllMocks();
  });
  return {
    get rows() {
      const all = getAll.mock.results.map((r) => (r.value as IDBRequest<unknown[]>).result.length);
      return all.reduce((a, b) => a + b, 0) + open.mock.calls.length + step.mock.calls.length;
    },
  };
}

/** Windows and counts that read a bounded part of a long room, at their edges. */
describe('Queries over long rooms', () => {
  const texts = (view: { messages: { text: string }[] }) => view.messages.map((m) => m.text);

  it('reads a latest window holding the whole room, or exactly filled by it', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [
      sequenced(messageEvent('a', BOB), 1),
      sequenced(messageEvent('b', BOB), 2),
    ]);
    // Own messages not yet delivered sort after every delivered one.
    await store.appendLocal({ ...messageEvent('pending', ALICE) });
    const queries = new Queries(db, ALICE);
    const all = await queries.timeline(ROOM, { kind: 'latest', limit: 5 });
    expect(texts(all)).toEqual(['a', 'b', 'pending']);
    expect(all.hasOlder).toBe(false);
    const exact = await queries.timeline(ROOM, { kind: 'latest', limit: 3 });
    expect(texts(exact)).toEqual(['a', 'b', 'pending']);
    expect(exact.hasOlder).toBe(false);
    const short = await queries.timeline(ROOM, { kind: 'latest', limit: 2 });
    expect(texts(short)).toEqual(['b', 'pending']);
    expect(short.hasOlder).toBe(true);
  });

  it('counts nothing unread in a room where only the reader writes, however long', async () => {
    const { db, store } = await freshStore();
    const theirs = Array.from({ length: 3 }, (_, i) => messageEvent(`theirs ${i}`, BOB));
    const mine = Array.from({ length: 450 }, (_, i) => messageEvent(`mine ${i}`, ALICE));
    const all = [...theirs, ...mine].map((e, i) => sequenced(e, i + 1));
    for (let i = 0; i < all.length; i += 200) await store.applyRemote(ROOM, all.slice(i, i + 200));
    const queries = new Queries(db, ALICE);
    const reads = countReads();
    expect((await queries.rooms())[0]).toMatchObject({ unread: 0, mentions: 0 });
    // The newest row settles it: no read of the 450 before it (the list's other reads aside).
    expect(reads.rows).toBeLessThan(20);
  });

  it('a message of one’s own still being sent hides nothing that came after it', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [sequenced(messageEvent('before', BOB), 1)]);
    await store.appendLocal(messageEvent('stuck'));
    await store.applyRemote(ROOM, [sequenced(messageEvent('after', BOB), 2)]);
    const queries = new Queries(db, ALICE);
    expect((await queries.messages(ROOM, 5)).map((m) => m.text)).toEqual([
      'before',
      'after',
      'stuck',
    ]);
    expect((await queries.rooms())[0]).toMatchObject({ unread: 2 });
  });

  it('counts unread messages past many of one’s own, and stops at the cap', async () => {
    const { db, store } = await freshStore();
    const first = sequenced(messageEvent('first', BOB), 1);
    const events: KafkyEvent[] = [];
    // More of one's own than one read takes, then a few of someone else's.
    for (let i = 0; i < 450; i++) events.push(messageEvent(`mine ${i}`, ALICE));
    for (let i = 0; i < 7; i++) events.push(messageEvent(`theirs ${i}`, BOB));
    const marked: KafkyEvent = {
      ...messageEvent('x'),
      type: 'read.marked',
      v: 1,
      payload: { through: first.id },
    };
    const all = [first, ...[...events, marked].map((e, i) => sequenced(e, i + 2))];
    for (let i = 0; i < all.length; i += 200) await store.applyRemote(ROOM, all.slice(i, i + 200));
    const queries = new Queries(db, ALICE);
    expect((await queries.rooms())[0]).toMatchObject({ unread: 7 });

    const more = Array.from({ length: UNREAD_MAX + 50 }, (_, i) =>
      sequenced(messageEvent(`later ${i}`, BOB), all.length + 1 + i),
    );
    for (let i = 0; i < more.length; i += 250)
      await store.applyRemote(ROOM, more.slice(i, i + 250));
    expect((await queries.rooms())[0]).toMatchObject({ unread: UNREAD_MAX });
  });
});
