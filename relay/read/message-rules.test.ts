import { describe, expect, it } from 'vitest';
import {
  newEventId,
  type AuthorId,
  type EventId,
  type MessageRelation,
  type MessageSent,
  type RoomId,
} from '../../shared/index.ts';
import { applyRelation, messageState, visibleReactions } from './message-rules.ts';

const ROOM = 'lobby' as RoomId;
const ANN = 'ann-author-1' as AuthorId;
const BOB = 'bob-author-1' as AuthorId;
const CY = 'cy-author-01' as AuthorId;

const sent: MessageSent = {
  id: newEventId(),
  type: 'message.sent',
  v: 2,
  room: ROOM,
  author: ANN,
  ts: 1,
  payload: { text: 'first', mentions: [] },
};

function relation(
  author: AuthorId,
  body:
    | { type: 'message.edited'; text: string }
    | { type: 'message.deleted' }
    | { type: 'reaction.set'; key: string; on: boolean },
  target: EventId = sent.id,
): MessageRelation {
  const envelope = { id: newEventId(), v: 1 as const, room: ROOM, author, ts: 2 };
  if (body.type === 'message.edited')
    return { ...envelope, type: body.type, payload: { target, text: body.text } };
  if (body.type === 'message.deleted') return { ...envelope, type: body.type, payload: { target } };
  return { ...envelope, type: body.type, payload: { target, key: body.key, on: body.on } };
}

const fold = (...relations: MessageRelation[]) =>
  relations.reduce(applyRelation, messageState(sent));

describe('message rules', () => {
  it('starts from the message as sent', () => {
    expect(messageState(sent)).toEqual({
      author: ANN,
      text: 'first',
      edited: false,
      deleted: false,
      reactions: [],
    });
  });

  it('takes edits from the author only, the latest winning', () => {
    const state = fold(
      relation(ANN, { type: 'message.edited', text: 'second' }),
      relation(BOB, { type: 'message.edited', text: 'hijacked' }),
      relation(ANN, { type: 'message.edited', text: 'third' }),
    );
    expect(state).toMatchObject({ text: 'third', edited: true, deleted: false });
  });

  it('lets only the author delete, strips the text and reactions, and nothing revives it', () => {
    const reacted = fold(relation(BOB, { type: 'reaction.set', key: '👍', on: true }));
    expect(applyRelation(reacted, relation(BOB, { type: 'message.deleted' }))).toBe(reacted);
    const deleted = applyRelation(reacted, relation(ANN, { type: 'message.deleted' }));
    expect(deleted).toMatchObject({ text: '', edited: false, deleted: true, reactions: [] });
    for (const later of [
      relation(ANN, { type: 'message.edited', text: 'back' }),
      relation(CY, { type: 'reaction.set', key: '👍', on: true }),
      relation(ANN, { type: 'message.deleted' }),
    ]) {
      expect(applyRelation(deleted, later)).toBe(deleted);
    }
  });

  it('counts a reaction once per author and key; the latest of an author’s says if it is on', () => {
    const state = fold(
      relation(BOB, { type: 'reaction.set', key: '👍', on: true }),
      relation(BOB, { type: 'reaction.set', key: '👍', on: true }),
      relation(CY, { type: 'reaction.set', key: '🎉', on: true }),
      relation(CY, { type: 'reaction.set', key: '👍', on: true }),
      relation(BOB, { type: 'reaction.set', key: '👍', on: false }),
      relation(ANN, { type: 'reaction.set', key: '👀', on: false }),
    );
    expect(visibleReactions(state)).toEqual([
      { key: '👍', authors: [CY] },
      { key: '🎉', authors: [CY] },
    ]);
    // A key everyone took off keeps its place for when it comes back.
    const again = [
      relation(CY, { type: 'reaction.set', key: '👍', on: false }),
      relation(ANN, { type: 'reaction.set', key: '👍', on: true }),
    ].reduce(applyRelation, state);
    expect(visibleReactions(again).map((r) => r.key)).toEqual(['👍', '🎉']);
  });

  it('returns the same state for a relation that changes nothing', () => {
    const state = fold(relation(BOB, { type: 'reaction.set', key: '👍', on: true }));
    expect(applyRelation(state, relation(BOB, { type: 'reaction.set', key: '👍', on: true }))).toBe(
      state,
    );
    expect(applyRelation(state, relation(CY, { type: 'message.edited', text: 'no' }))).toBe(state);
  });
});
