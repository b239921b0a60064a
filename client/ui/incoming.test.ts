import { describe, expect, it, vi } from 'vitest';
import type { AuthorId, EventId, RoomId } from '../../shared/ids.ts';
import type { IncomingNote, MemberView, MessageView } from '../api.ts';
import { IncomingMessages, withIncoming } from './incoming.ts';

const room = 'lobby' as RoomId;
const bob = 'bob' as AuthorId;
const members: MemberView[] = [{ author: bob, name: 'Bob', own: false }];

function stored(id: string, seq: number, text = id): MessageView {
  return {
    id: id as EventId,
    room,
    author: bob,
    authorName: 'Bob',
    text,
    ts: 0,
    seq,
    state: 'delivered',
    own: false,
    edited: false,
    deleted: false,
    reactions: [],
  };
}

function note(id: string, seq: number, extra: Partial<IncomingNote> = {}): IncomingNote {
  return { id: id as EventId, room, author: bob, text: `text of ${id}`, ts: 5, seq, ...extra };
}

describe('withIncoming', () => {
  it('shows incoming messages after the timeline, named as the room names their authors', () => {
    const timeline = [stored('a', 1, 'question?')];
    const shown = withIncoming(
      timeline,
      [note('b', 2, { replyTo: 'a' as EventId })],
      members,
      () => undefined,
    );
    expect(shown.map((m) => m.id)).toEqual(['a', 'b']);
    expect(shown[1]).toMatchObject({
      text: 'text of b',
      authorName: 'Bob',
      seq: 2,
      state: 'delivered',
      own: false,
      replyTo: { id: 'a', authorName: 'Bob', text: 'question?', deleted: false },
    });
  });

  it('forgets one the timeline holds, and leaves older ones and strangers to the store', () => {
    const forgotten: EventId[] = [];
    const timeline = [stored('a', 1), stored('c', 3)];
    const notes = [note('a', 1), note('b', 2), note('d', 4, { author: 'eve' as AuthorId })];
    const shown = withIncoming(timeline, notes, members, (id) => forgotten.push(id));
    expect(shown).toBe(timeline);
    expect(forgotten).toEqual(['a']);
  });
});

describe('IncomingMessages', () => {
  it('takes well-formed notes once each, per room in order, and tells its listeners', () => {
    vi.useFakeTimers();
    const incoming = new IncomingMessages(`test-${Math.random()}`);
    const heard = vi.fn();
    incoming.subscribe(heard);
    incoming.take([note('b', 2), { id: 'junk' }, note('a', 1)]);
    incoming.take([note('a', 1)]);
    incoming.take('not a list');
    expect(incoming.of(room).map((n) => n.id)).toEqual(['a', 'b']);
    expect(incoming.of('elsewhere' as RoomId)).toEqual([]);
    expect(heard).toHaveBeenCalledTimes(1);
    incoming.forget('a' as EventId);
    expect(incoming.of(room).map((n) => n.id)).toEqual(['b']);
    // Never taken by the timeline: given up, to show when it comes again.
    vi.advanceTimersByTime(10_000);
    expect(incoming.of(room)).toEqual([]);
    expect(heard).toHaveBeenCalledTimes(2);
    incoming.close();
    vi.useRealTimers();
  });
});
