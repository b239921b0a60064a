import { describe, expect, it } from 'vitest';
import type { AuthorId, EventId, KafkyEvent } from '../../../shared/index.ts';
import { ALICE, BOB, ROOM, freshStore, messageEvent, sequenced } from '../test-helpers.ts';

function relation(
  type: 'message.edited' | 'message.deleted' | 'reaction.set',
  payload: Record<string, unknown>,
  author: AuthorId = ALICE,
): KafkyEvent {
  return { ...messageEvent('x', author), type, v: 1, payload } as KafkyEvent;
}
const edit = (target: EventId, text: string, author?: AuthorId) =>
  relation('message.edited', { target, text }, author);
const remove = (target: EventId, author?: AuthorId) =>
  relation('message.deleted', { target }, author);
const react = (target: EventId, key: string, on: boolean, author?: AuthorId) =>
  relation('reaction.set', { target, key, on }, author);

/** A message with a history of relations, all confirmed, in the room's order. */
function history() {
  const message = messageEvent('first draft');
  return [
    message,
    edit(message.id, 'second draft'),
    react(message.id, '👍', true, BOB),
    react(message.id, '🎉', true, ALICE),
    edit(message.id, 'final'),
    react(message.id, '👍', true, ALICE),
    react(message.id, '🎉', false, ALICE),
    edit(message.id, 'hijacked', BOB),
  ].map((e, i) => sequenced(e, i + 1));
}

describe('messagesProjector', () => {
  it('applies its author’s edits, the latest winning, and counts reactions once per sender', async () => {
    const { db, store } = await freshStore();
    const events = history();
    await store.applyRemote(ROOM, events);
    expect(await db.messages.get(events[0]!.id)).toMatchObject({
      text: 'final',
      edited: true,
      deleted: false,
      reactions: [{ key: '👍', authors: [BOB, ALICE] }],
    });
  });

  it('gives the same row whatever order the events arrive in', async () => {
    const events = history();
    const inOrder = await freshStore();
    await inOrder.store.applyRemote(ROOM, events);
    const expected = await inOrder.db.messages.get(events[0]!.id);
    for (const order of [
      [...events].reverse(),
      [events[3]!, events[0]!, ...events.slice(4), events[1]!, events[2]!],
    ]) {
      const { db, store } = await freshStore();
      for (const event of order) await store.applyRemote(ROOM, [event]);
      expect(await db.messages.get(events[0]!.id)).toEqual(expected);
    }
  });

  it('keeps a skeleton of a deleted message: no text, no edits, no reactions', async () => {
    const { db, store } = await freshStore();
    const events = history();
    await store.applyRemote(ROOM, events);
    await store.applyRemote(ROOM, [sequenced(remove(events[0]!.id), events.length + 1)]);
    await store.applyRemote(ROOM, [sequenced(edit(events[0]!.id, 'revived?'), events.length + 2)]);
    expect(await db.messages.get(events[0]!.id)).toMatchObject({
      text: '',
      deleted: true,
      edited: false,
      reactions: [],
    });
  });

  it('ignores a delete by someone other than the author', async () => {
    const { db, store } = await freshStore();
    const message = sequenced(messageEvent('mine'), 1);
    await store.applyRemote(ROOM, [message, sequenced(remove(message.id, BOB), 2)]);
    expect(await db.messages.get(message.id)).toMatchObject({ text: 'mine', deleted: false });
  });

  it('orders a pending edit after confirmed ones, then by its place once sequenced', async () => {
    const { db, store } = await freshStore();
    const message = sequenced(messageEvent('v1'), 1);
    await store.applyRemote(ROOM, [message]);
    const mine = edit(message.id, 'v2 (mine)');
    await store.appendLocal(mine);
    await store.applyRemote(ROOM, [sequenced(edit(message.id, 'v3 (other device)'), 3)]);
    // Pending sorts last: ours shows.
    expect((await db.messages.get(message.id))?.text).toBe('v2 (mine)');
    // The relay placed ours before the other device's edit: that one wins.
    await store.applyAcks([{ id: mine.id, room: ROOM, seq: 2, rts: 1 }]);
    expect((await db.messages.get(message.id))?.text).toBe('v3 (other device)');
  });

  it('keeps the reply it answers', async () => {
    const { db, store } = await freshStore();
    const question = sequenced(messageEvent('question?', BOB), 1);
    const answer = {
      ...messageEvent('answer'),
      payload: { text: 'answer', replyTo: question.id, mentions: [] },
    };
    await store.applyRemote(ROOM, [question, sequenced(answer, 2)]);
    expect((await db.messages.get(answer.id))?.replyTo).toBe(question.id);
  });
});
