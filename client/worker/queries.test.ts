import { describe, expect, it } from 'vitest';
import type { AuthorId, KafkyEvent } from '../../shared/index.ts';
import type { TimelineWindow } from '../api.ts';
import { Queries, mentionPattern } from './queries.ts';
import {
  ALICE,
  BOB,
  ROOM,
  freshStore,
  messageEvent,
  nameEvent,
  sequenced,
} from './test-helpers.ts';

const CAROL = 'carol-0000' as AuthorId;

function readMark(through: KafkyEvent['id'], author: AuthorId = ALICE): KafkyEvent {
  return { ...messageEvent('x', author), type: 'read.marked', v: 1, payload: { through } };
}

describe('Queries', () => {
  it('tells apart two people who chose the same name', async () => {
    const { db, store } = await freshStore();
    await store.applyRemote(ROOM, [
      sequenced(nameEvent('Sam', BOB), 1),
      sequenced(nameEvent('sam', CAROL), 2),
      sequenced(nameEvent('Alice', ALICE), 3),
      sequenced(messageEvent('from bob', BOB), 4),
      sequenced(messageEvent('from carol', CAROL), 5),
      sequenced(messageEvent('from alice', ALICE), 6),
    ]);
    const names = (await new Queries(db, ALICE).messages(ROOM, 10)).map((m) => m.authorName);
    expect(names).toEqual([`Sam (${BOB.slice(0, 4)})`, `sam (${CAROL.slice(0, 4)})`, 'Alice']);
  });

  it('counts unread messages of others after the read position and one’s own last message, and mentions among them', async () => {
    const { db, store } = await freshStore();
    await db.meta.put({ key: 'displayName', value: 'Alice' });
    const first = sequenced(messageEvent('hello', BOB), 1);
    const early = messageEvent('hey @alice, early', BOB);
    early.payload.mentions = [ALICE];
    const mention = messageEvent('hey @alice, look', BOB);
    mention.payload.mentions = [ALICE];
    await store.applyRemote(ROOM, [first, sequenced(early, 2)]);
    const queries = new Queries(db, ALICE);
    expect(await queries.rooms()).toMatchObject([{ room: ROOM, unread: 2, mentions: 1 }]);
    await store.applyRemote(ROOM, [
      // Sending in a room is having read what came before.
      sequenced(messageEvent('mine', ALICE), 3),
      sequenced(mention, 4),
      // Mentions are bound by the sender: a name in the text alone mentions no one.
      sequenced(messageEvent('@Alicette is someone else', BOB), 5),
    ]);
    expect(await queries.rooms()).toMatchObject([
      {
        unread: 2,
        mentions: 1,
        lastMessage: { text: '@Alicette is someone else', deleted: false },
      },
    ]);
    await store.applyRemote(ROOM, [sequenced(readMark(mention.id), 6)]);
    expect(await queries.rooms()).toMatchObject([{ unread: 1, mentions: 0 }]);
    // Another reader's position does not count for this one.
    await store.applyRemote(ROOM, [sequenced(readMark(first.id, BOB), 7)]);
    expect((await queries.rooms())[0]?.unread).toBe(1);
  });

  it('shows what a reply answers, or that it is not here', async () => {
    const { db, store } = await freshStore();
    const question = sequenced(messageEvent('what time?', BOB), 1);
    await store.applyRemote(ROOM, [
      question,
      sequenced(
        { ...messageEvent('noon'), payload: { text: 'noon', replyTo: question.id, mentions: [] } },
        2,
      ),
      sequenced(
        {
          ...messageEvent('?'),
          payload: {
            text: '?',
            replyTo: '01ARZ3NDEKTSV4RRFFQ69G5FAV' as KafkyEvent['id'],
            mentions: [],
          },
        },
        3,
      ),
    ]);
    const [, answer, orphan] = await new Queries(db, ALICE).messages(ROOM, 10);
    expect(answer?.replyTo).toEqual({
      id: question.id,
      authorName: `Guest ${BOB.slice(0, 4)}`,
      text: 'what time?',
      deleted: false,
    });
    expect(orphan?.replyTo).toMatchObject({ authorName: null, text: '' });
  });

  it('reads windows of a long history: the latest, or around one message', async () => {
    const { db, store } = await freshStore();
    const events = Array.from({ length: 1000 }, (_, i) =>
      sequenced(messageEvent(`m${i}`, BOB), i + 1),
    );
    for (let i = 0; i < events.length; i += 250) {
      await store.applyRemote(ROOM, events.slice(i, i + 250));
    }
    const queries = new Queries(db, ALICE);
    const texts = (view: { messages: { text: string }[] }) => view.messages.map((m) => m.text);

    const latest = await queries.timeline(ROOM, { kind: 'latest', limit: 3 });
    expect(texts(latest)).toEqual(['m997', 'm998', 'm999']);
    expect(latest).toMatchObject({
      hasOlder: true,
      hasNewer: false,
      anchored: true,
      arriving: null,
    });

    const around = await queries.timeline(ROOM, {
      kind: 'around',
      anchor: events[500]!.id,
      before: 2,
      after: 3,
    });
    expect(texts(around)).toEqual(['m498', 'm499', 'm500', 'm501', 'm502']);
    expect(around).toMatchObject({
      hasOlder: true,
      hasNewer: true,
      anchored: true,
      arriving: null,
    });

    const start = await queries.timeline(ROOM, {
      kind: 'around',
      anchor: events[1]!.id,
      before: 5,
      after: 2,
    });
    expect(texts(start)).toEqual(['m0', 'm1', 'm2']);
    expect(start).toMatchObject({ hasOlder: false, hasNewer: true });

    const unknown = await queries.timeline(ROOM, {
      kind: 'around',
      anchor: '01ARZ3NDEKTSV4RRFFQ69G5FAV' as KafkyEvent['id'],
      before: 1,
      after: 1,
    });
    expect(texts(unknown)).toEqual(['m998', 'm999']);
    expect(unknown.anchored).toBe(false);
  });

  it("marks where the history not yet held begins: a long room's latest events come first", async () => {
    const { db, store } = await freshStore();
    const events = Array.from({ length: 10 }, (_, i) =>
      sequenced(messageEvent(`m${i}`, BOB), i + 1),
    );
    const queries = new Queries(db, ALICE);
    const arriving = async (window: TimelineWindow) =>
      (await queries.timeline(ROOM, window)).arriving;
    const latest = { kind: 'latest', limit: 5 } as const;

    await store.applyRemote(ROOM, events.slice(7));
    expect(await arriving(latest)).toBe(events[7]!.id);
    await store.applyRemote(ROOM, events.slice(0, 3));
    expect(await arriving(latest)).toBe(events[7]!.id);
    expect(
      await arriving({ kind: 'around', anchor: events[1]!.id, before: 1, after: 2 }),
    ).toBeNull();
    expect(await arriving({ kind: 'around', anchor: events[2]!.id, before: 1, after: 2 })).toBe(
      events[7]!.id,
    );
    await store.applyRemote(ROOM, events.slice(3, 7));
    expect(await arriving(latest)).toBeNull();
  });

  it('searches the rooms held here by words, newest first, the last word as a prefix', async () => {
    const { db, store } = await freshStore();
    const other = 'other-room' as KafkyEvent['room'];
    await store.join(other);
    await store.applyRemote(ROOM, [
      sequenced({ ...messageEvent('The Élan of the team'), ts: 1 }, 1),
      sequenced({ ...messageEvent('team lunch at noon', BOB), ts: 3 }, 2),
      sequenced({ ...messageEvent('nothing here'), ts: 4 }, 3),
    ]);
    const deleted = messageEvent('team secret');
    await store.applyRemote(other, [
      sequenced({ ...messageEvent('the team in another room', ALICE, other), ts: 2 }, 1),
      sequenced({ ...deleted, room: other }, 2),
      sequenced(
        {
          ...messageEvent('x', ALICE, other),
          type: 'message.deleted',
          v: 1,
          payload: { target: deleted.id },
        },
        3,
      ),
    ]);
    const queries = new Queries(db, ALICE);
    const texts = async (q: string) => (await queries.search(q, 10)).map((h) => h.text);
    expect(await texts('team')).toEqual([
      'team lunch at noon',
      'the team in another room',
      'The Élan of the team',
    ]);
    expect(await texts('elan TE')).toEqual(['The Élan of the team']);
    expect(await texts('lun')).toEqual(['team lunch at noon']);
    expect(await texts('secret')).toEqual([]);
    expect(await texts('  ')).toEqual([]);
    const [hit] = await queries.search('another', 10);
    expect(hit).toMatchObject({ room: other, roomName: other, authorName: 'Guest alic' });
  });

  it('matches a mention as a whole name, ignoring case', () => {
    const pattern = mentionPattern('Ada L.');
    expect(pattern.test('hi @ada l. how are you')).toBe(true);
    expect(pattern.test('mail ada@ada l.')).toBe(false);
    expect(pattern.test('@Ada L.x')).toBe(false);
  });
});
