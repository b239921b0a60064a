import { describe, expect, it } from 'vitest';
// First: it puts a fake IndexedDB in place before Dexie looks for one.
import { ALICE, BOB, ROOM, messageEvent, nameEvent, sequenced } from './test-helpers.ts';
import { openDb } from './db.ts';
import { EventStore } from './event-store.ts';
import { PROJECTORS } from './projectors/index.ts';
import type { Projector } from './projectors/projector.ts';

let counter = 0;

/**
 * The real projectors, with the messages projector made to throw on any message whose
 * text says "boom" while `broken.on` is set: a projector bug that a fix (here, clearing
 * the flag) cures.
 */
async function storeWithBug() {
  const broken = { on: true };
  const projectors = PROJECTORS.map((projector): Projector => {
    if (projector.name !== 'messages') return projector;
    const guard = (events: readonly { type: string; payload: unknown }[]) => {
      const bad = events.some(
        (e) => e.type === 'message.sent' && (e.payload as { text: string }).text.includes('boom'),
      );
      if (broken.on && bad) throw new TypeError('cannot read the boom');
    };
    return {
      ...projector,
      async apply(ctx, event) {
        guard([event]);
        await projector.apply(ctx, event);
      },
      async applyMany(ctx, events) {
        guard(events);
        await projector.applyMany!(ctx, events);
      },
    };
  });
  const db = openDb(`kafky-runner-${++counter}-${Math.random()}`);
  const store = new EventStore(db, projectors);
  await store.readModels.prepare();
  await store.join(ROOM);
  return { db, store, broken };
}

describe('dead letters', () => {
  it('sets aside the event a projector throws on, and projects the rest of the page', async () => {
    const { db, store } = await storeWithBug();
    const before = sequenced(messageEvent('before', BOB), 1);
    const bad = sequenced(messageEvent('boom', BOB), 2);
    const after = sequenced(messageEvent('after', BOB), 3);
    await store.applyRemote(ROOM, [before, bad, after, sequenced(nameEvent('Bob', BOB), 4)]);

    expect(await db.events.count()).toBe(4);
    expect((await db.messages.toArray()).map((m) => m.text).sort()).toEqual(['after', 'before']);
    expect((await db.members.get([ROOM, BOB]))?.name).toBe('Bob');
    const [letter, ...others] = await db.deadLetters.toArray();
    expect(others).toEqual([]);
    expect(letter).toMatchObject({
      projector: 'messages',
      id: bad.id,
      room: ROOM,
      type: 'message.sent',
      v: 2,
      error: 'TypeError: cannot read the boom',
    });
    // The room goes on: later events still project, and the cursor moved past it.
    await store.applyRemote(ROOM, [sequenced(messageEvent('later', BOB), 5)]);
    expect(await db.messages.count()).toBe(3);
    expect((await store.rooms())[0]?.cursor).toBe(5);
  });

  it('keeps an own message that a projector throws on, in the log and the outbox', async () => {
    const { db, store } = await storeWithBug();
    const stored = await store.appendLocal(messageEvent('boom, mine'));
    expect((await store.outbox(ROOM, 10)).map((e) => e.id)).toEqual([stored.id]);
    expect(await db.messages.count()).toBe(0);
    expect(await db.deadLetters.count()).toBe(1);
  });

  it('retries one: still failing it stays with the new error; once fixed it projects and goes', async () => {
    const { db, store, broken } = await storeWithBug();
    const bad = sequenced(messageEvent('boom', BOB), 1);
    await store.applyRemote(ROOM, [bad]);
    const [letter] = await db.deadLetters.toArray();
    expect(await store.retryDeadLetter(letter!)).toBe(false);
    expect(await db.deadLetters.count()).toBe(1);

    broken.on = false;
    expect(await store.retryDeadLetter(letter!)).toBe(true);
    expect(await db.deadLetters.count()).toBe(0);
    expect((await db.messages.get(bad.id))?.text).toBe('boom');
  });

  it('retries all, reporting what went through and what did not', async () => {
    const { db, store, broken } = await storeWithBug();
    await store.applyRemote(ROOM, [
      sequenced(messageEvent('boom one', BOB), 1),
      sequenced(messageEvent('boom two', BOB), 2),
    ]);
    expect(await store.retryDeadLetters()).toEqual({ retried: 0, failed: 2 });
    broken.on = false;
    expect(await store.retryDeadLetters()).toEqual({ retried: 2, failed: 0 });
    expect(await db.messages.count()).toBe(2);
    expect(await db.deadLetters.count()).toBe(0);
  });

  it('drops the dead letter of an event that leaves the log', async () => {
    const { db, store } = await storeWithBug();
    const draft = await store.appendLocal(messageEvent('boom draft'));
    expect(await db.deadLetters.count()).toBe(1);
    expect(await store.reviseDraft(draft.id, null)).toBe(true);
    expect(await db.deadLetters.count()).toBe(0);
  });

  it('sets aside an event failing its own schema, whichever projector would read it', async () => {
    const { db, store } = await storeWithBug();
    // A relay that did not know the type stored it unchecked; this code knows it and says no.
    const invalid = { ...sequenced(nameEvent('x', BOB), 1), payload: { name: '' } };
    await store.applyRemote(ROOM, [invalid, sequenced(messageEvent('fine', BOB), 2)]);
    expect(await db.deadLetters.toArray()).toMatchObject([
      { projector: 'schema', id: invalid.id, type: 'profile.name-set' },
    ]);
    expect(await db.members.count()).toBe(0);
    expect(await db.messages.count()).toBe(1);
  });

  it('rebuilds without the dead letters of the projectors rebuilt, finding them again', async () => {
    const { db, store, broken } = await storeWithBug();
    await store.applyRemote(ROOM, [sequenced(messageEvent('boom', ALICE), 1)]);
    await store.rebuild();
    expect(await db.deadLetters.count()).toBe(1);
    broken.on = false;
    await store.rebuild();
    expect(await db.deadLetters.count()).toBe(0);
    expect(await db.messages.count()).toBe(1);
  });
});
