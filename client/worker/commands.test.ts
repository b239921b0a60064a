import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_ROOM, type EventId } from '../../shared/index.ts';
import { startCore, type KafkyCore } from './kafky-core.ts';
import { BOB, deadSocket, messageEvent, sequenced } from './test-helpers.ts';

/** A core whose relay never answers: everything it writes stays pending. */
async function core(): Promise<KafkyCore> {
  return startCore({
    syncUrl: 'ws://nowhere.test/sync',
    createSocket: deadSocket,
    dbName: `kafky-commands-${Math.random()}`,
  });
}

/** The outbox, without the lobby's join that a first start writes. */
async function payloadsInOutbox(c: KafkyCore, room = DEFAULT_ROOM) {
  return (await c.store.outbox(room, 100))
    .filter((e) => e.type !== 'member.joined')
    .map((e) => [e.type, e.payload]);
}

describe('Commands', () => {
  it('rewrites or drops a message that never left the browser, instead of adding events', async () => {
    const c = await core();
    const id = await c.commands.sendMessage(DEFAULT_ROOM, 'tpyo');
    await c.commands.editMessage(id, 'typo fixed');
    expect(await payloadsInOutbox(c)).toEqual([
      ['message.sent', { text: 'typo fixed', mentions: [] }],
    ]);
    expect((await c.db.messages.get(id))?.text).toBe('typo fixed');

    await c.commands.deleteMessage(id);
    expect(await payloadsInOutbox(c)).toEqual([]);
    expect(await c.db.messages.get(id)).toBeUndefined();
    expect(await c.db.events.where('id').equals(id).count()).toBe(0);
    c.close();
  });

  it('edits and deletes with new events once a message may have reached the relay', async () => {
    const c = await core();
    const id = await c.commands.sendMessage(DEFAULT_ROOM, 'sent');
    // Handed to a socket: it may be at the relay, acknowledged or not.
    await c.store.claimForPush([id]);
    await c.commands.editMessage(id, 'sent, then edited');
    await c.commands.deleteMessage(id);
    expect(await payloadsInOutbox(c)).toEqual([
      ['message.sent', { text: 'sent', mentions: [] }],
      ['message.edited', { target: id, text: 'sent, then edited' }],
      ['message.deleted', { target: id }],
    ]);
    expect(await c.db.messages.get(id)).toMatchObject({ deleted: true, text: '' });
    c.close();
  });

  it('hands a push the draft as it is now', async () => {
    const c = await core();
    const id = await c.commands.sendMessage(DEFAULT_ROOM, 'before');
    const gone = await c.commands.sendMessage(DEFAULT_ROOM, 'dropped');
    await c.commands.editMessage(id, 'after');
    await c.commands.deleteMessage(gone);
    const claimed = await c.store.claimForPush([id, gone]);
    expect(claimed.map((e) => e.payload)).toEqual([{ text: 'after', mentions: [] }]);
    c.close();
  });

  it("refuses to edit or delete someone else's message", async () => {
    const c = await core();
    const theirs = sequenced(messageEvent('theirs', BOB), 1);
    await c.store.applyRemote(DEFAULT_ROOM, [theirs]);
    await expect(c.commands.editMessage(theirs.id, 'mine now')).rejects.toMatchObject({
      code: 'invalid_event',
    });
    await expect(c.commands.deleteMessage(theirs.id)).rejects.toThrow(/Only its author/);
    c.close();
  });

  it('toggles a reaction on and off', async () => {
    const c = await core();
    const theirs = sequenced(messageEvent('nice', BOB), 1);
    await c.store.applyRemote(DEFAULT_ROOM, [theirs]);
    await c.commands.toggleReaction(theirs.id, '👍');
    expect((await c.db.messages.get(theirs.id))?.reactions).toEqual([
      { key: '👍', authors: [c.author] },
    ]);
    await c.commands.toggleReaction(theirs.id, '👍');
    expect((await c.db.messages.get(theirs.id))?.reactions).toEqual([]);
    expect((await payloadsInOutbox(c)).map(([, p]) => (p as { on: boolean }).on)).toEqual([
      true,
      false,
    ]);
    c.close();
  });

  it('retries a refused message as it was, or discards it', async () => {
    const c = await core();
    const retried = await c.commands.sendMessage(DEFAULT_ROOM, 'retry me');
    const discarded = await c.commands.sendMessage(DEFAULT_ROOM, 'discard me');
    for (const id of [retried, discarded]) await c.store.markRejected(id, 'internal', 'try later');
    await expect(
      c.commands.retryMessage('01ARZ3NDEKTSV4RRFFQ69G5FAV' as EventId),
    ).rejects.toThrow();

    await c.commands.retryMessage(retried);
    expect((await c.db.messages.get(retried))?.state).toBe('pending');
    expect((await payloadsInOutbox(c)).map(([, p]) => p)).toEqual([
      { text: 'retry me', mentions: [] },
    ]);

    await c.commands.discardMessage(discarded);
    expect(await c.db.messages.get(discarded)).toBeUndefined();
    expect(await c.db.events.where('id').equals(discarded).count()).toBe(0);
    c.close();
  });

  it('opens a room with its name and the creator in it, and follows it', async () => {
    const c = await core();
    await c.commands.setDisplayName('Ada');
    const room = await c.commands.createRoom(' Book club ');
    expect(room).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect((await c.store.rooms()).map((r) => r.room)).toContain(room);
    expect(await c.queries.room(room)).toMatchObject({
      name: 'Book club',
      joined: true,
      members: [{ author: c.author, name: 'Ada', own: true }],
    });
    // The tab opens the new room by its link at once: that must not join it ahead of
    // the process, whose join step waits for the room's acknowledgement.
    await c.commands.joinRoom(room);
    expect((await c.store.outbox(room, 10)).map((e) => e.type)).toEqual([
      'room.created',
      'profile.name-set',
    ]);
    await c.commands.renameRoom(room, 'Readers');
    expect((await c.queries.rooms()).find((r) => r.room === room)?.name).toBe('Readers');
    c.close();
  });

  it('joins a room from an invite, and leaves it', async () => {
    const c = await core();
    await c.commands.setDisplayName('Ada');
    const room = 'invited-room' as typeof DEFAULT_ROOM;
    await c.commands.joinRoom(room);
    await c.commands.joinRoom(room); // Twice is once.
    expect((await c.store.outbox(room, 10)).map((e) => e.type)).toEqual([
      'member.joined',
      'profile.name-set',
    ]);
    await c.commands.leaveRoom(room);
    expect((await c.store.rooms()).find((r) => r.room === room)?.left).toBe(true);
    expect((await c.queries.rooms()).map((r) => r.room)).not.toContain(room);
    expect((await c.queries.room(room)).members).toEqual([]);
    c.close();
  });

  it('sets the display name in every room this browser is in', async () => {
    const c = await core();
    const room = await c.commands.createRoom('Second');
    await c.commands.setDisplayName('Grace');
    for (const r of [DEFAULT_ROOM, room]) {
      expect((await c.db.members.get([r, c.author]))?.name).toBe('Grace');
    }
    expect(await c.queries.profile()).toEqual({ author: c.author, name: 'Grace' });
    c.close();
  });
});

describe('Sending a message', () => {
  /**
   * Records each IndexedDB write or read issued from now on, as store, method and how many
   * requests had answered before it was issued: requests issued together share a count.
   */
  function recordRequests() {
    const issued: { store: string; method: string; answered: number }[] = [];
    let answered = 0;
    const methods = ['add', 'put', 'get', 'getAll', 'getAllKeys', 'delete', 'count'] as const;
    for (const method of methods) {
      const original = Object.getOwnPropertyDescriptor(IDBObjectStore.prototype, method)!.value as (
        this: IDBObjectStore,
        ...args: unknown[]
      ) => IDBRequest;
      vi.spyOn(IDBObjectStore.prototype, method).mockImplementation(function (
        this: IDBObjectStore,
        ...args: unknown[]
      ) {
        issued.push({ store: this.name, method, answered });
        const request = original.apply(this, args);
        request.addEventListener('success', () => (answered += 1));
        return request;
      });
    }
    return issued;
  }

  it('stores it in two round trips: the event, its step and the room first, then the rest', async () => {
    const c = await core();
    await c.commands.sendMessage(DEFAULT_ROOM, 'warm up');
    const issued = recordRequests();
    try {
      await c.commands.sendMessage(DEFAULT_ROOM, 'hello');
    } finally {
      vi.restoreAllMocks();
    }
    const first = (store: string, method: string) =>
      issued.find((r) => r.store === store && r.method === method);
    // The saga's row goes with the append, not after it (a nested Dexie transaction
    // would hold it back until the append's own requests had all answered).
    expect(first('events', 'add')?.answered).toBe(0);
    expect(first('processes', 'put')?.answered).toBe(0);
    expect(first('rooms', 'get')?.answered).toBe(0);
    // The outbox row needs the event's position: the second round trip.
    expect(first('outbox', 'add')?.answered).toBeGreaterThan(0);
    expect(new Set(issued.map((r) => r.answered)).size).toBe(2);
    c.close();
  });
});
