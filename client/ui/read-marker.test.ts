import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthorId, EventId, RoomId } from '../../shared/ids.ts';
import type { MessageView } from '../api.ts';
import { ReadMarker, dividerIndex, readTarget } from './read-marker.ts';

const room = 'lobby' as RoomId;
const other = 'other' as RoomId;

function message(id: string, own: boolean): MessageView {
  return {
    id: id as EventId,
    room,
    author: (own ? 'me' : 'them') as AuthorId,
    authorName: own ? 'Me' : 'Them',
    text: id,
    ts: 0,
    seq: null,
    state: 'delivered',
    own,
    edited: false,
    deleted: false,
    reactions: [],
  };
}

const id = (s: string) => s as EventId;

describe('readTarget', () => {
  const mixed = [message('a', false), message('b', true), message('c', false), message('d', true)];

  it('marks through the newest message of someone else past the read position', () => {
    expect(readTarget(mixed, null, false)).toBe('c');
    expect(readTarget(mixed, id('a'), false)).toBe('c');
    expect(readTarget(mixed, id('b'), true)).toBe('c');
  });

  it('never marks for one’s own messages alone', () => {
    expect(readTarget(mixed, id('c'), false)).toBeNull();
    expect(readTarget(mixed, id('d'), true)).toBeNull();
    expect(readTarget([message('x', true), message('y', true)], null, false)).toBeNull();
    expect(readTarget([], null, true)).toBeNull();
  });

  it('marks through the latest when the read position is above everything shown', () => {
    const own = [message('x', true), message('y', true)];
    expect(readTarget(own, id('older'), true)).toBe('y');
    expect(readTarget(own, null, true)).toBe('y');
  });
});

describe('dividerIndex', () => {
  const list = [message('a', false), message('b', true), message('c', false)];

  it('is before the first message of someone else after the read position', () => {
    expect(dividerIndex(list, null)).toBe(0);
    expect(dividerIndex(list, id('a'))).toBe(2);
    expect(dividerIndex(list, id('c'))).toBe(-1);
  });

  it('is nowhere when the read position is not shown', () => {
    expect(dividerIndex(list, id('older'))).toBe(-1);
  });
});

describe('ReadMarker', () => {
  let now = 0;
  let sent: [RoomId, EventId][];
  let marker: ReadMarker;

  beforeEach(() => {
    vi.useFakeTimers();
    now = 10_000;
    sent = [];
    marker = new ReadMarker(
      (r, through) => {
        sent.push([r, through]);
        return Promise.resolve();
      },
      1000,
      () => now,
    );
  });
  afterEach(() => vi.useRealTimers());

  const wait = (ms: number) => {
    now += ms;
    vi.advanceTimersByTime(ms);
  };

  it('sends the first mark at once, then at most one per interval, the newest asked for', () => {
    marker.mark(room, id('a'));
    expect(sent).toEqual([[room, 'a']]);
    marker.mark(room, id('b'));
    marker.mark(room, id('c'));
    wait(500);
    expect(sent).toHaveLength(1);
    wait(500);
    expect(sent).toEqual([
      [room, 'a'],
      [room, 'c'],
    ]);
    wait(5000);
    expect(sent).toHaveLength(2);
  });

  it('does not send a mark it has just sent again', () => {
    marker.mark(room, id('a'));
    wait(2000);
    marker.mark(room, id('a'));
    expect(sent).toHaveLength(1);
  });

  it('sends a waiting mark at once on flush, and before a mark of another room', () => {
    marker.mark(room, id('a'));
    marker.mark(room, id('b'));
    marker.flush();
    expect(sent.at(-1)).toEqual([room, 'b']);
    marker.mark(room, id('c'));
    marker.mark(other, id('x'));
    expect(sent.at(-1)).toEqual([room, 'c']);
    wait(1000);
    expect(sent.at(-1)).toEqual([other, 'x']);
    expect(sent).toHaveLength(4);
  });
});
