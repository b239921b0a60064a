import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthorId, RoomId } from '../../shared/index.ts';
import { ActivityState, activityView } from './activity.ts';
import { ALICE, BOB, ROOM } from './test-helpers.ts';

const CAROL = 'carol-0000' as AuthorId;
const OTHER = 'other-room' as RoomId;

function watched() {
  const activity = new ActivityState();
  const changes: RoomId[] = [];
  activity.onChange((room) => void changes.push(room));
  return { activity, changes };
}

describe('ActivityState', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds a typing signal for its time to live, and drops it at once on a stop', () => {
    const { activity, changes } = watched();
    activity.typing(ROOM, BOB, 6000);
    activity.typing(ROOM, CAROL, 6000);
    expect(activity.get(ROOM).typing).toEqual([
      { author: BOB, ttl: 6000 },
      { author: CAROL, ttl: 6000 },
    ]);
    activity.typing(ROOM, CAROL, 0);
    expect(activity.get(ROOM).typing.map((t) => t.author)).toEqual([BOB]);
    vi.advanceTimersByTime(5999);
    expect(activity.get(ROOM).typing).toEqual([{ author: BOB, ttl: 1 }]);
    vi.advanceTimersByTime(1);
    expect(activity.get(ROOM).typing).toEqual([]);
    expect(changes).toEqual([ROOM, ROOM, ROOM, ROOM]);
    // A stop for someone not typing changes nothing.
    activity.typing(ROOM, CAROL, 0);
    expect(changes).toHaveLength(4);
  });

  it('renews a signal: the new time to live counts, and the order of who started stays', () => {
    const { activity } = watched();
    activity.typing(ROOM, BOB, 6000);
    activity.typing(ROOM, CAROL, 6000);
    vi.advanceTimersByTime(3000);
    activity.typing(ROOM, BOB, 6000);
    vi.advanceTimersByTime(4000);
    expect(activity.get(ROOM).typing).toEqual([{ author: BOB, ttl: 2000 }]);
    vi.advanceTimersByTime(2000);
    expect(activity.get(ROOM).typing).toEqual([]);
  });

  it('keeps rooms apart, and stops the typing of whoever goes offline', () => {
    const { activity, changes } = watched();
    activity.presence(ROOM, [BOB, ALICE, BOB]);
    activity.presence(OTHER, [CAROL]);
    activity.typing(ROOM, BOB, 6000);
    expect(activity.get(ROOM)).toEqual({
      typing: [{ author: BOB, ttl: 6000 }],
      online: [ALICE, BOB],
    });
    expect(activity.get(OTHER)).toEqual({ typing: [], online: [CAROL] });
    // The same set again is no change.
    activity.presence(ROOM, [ALICE, BOB]);
    expect(changes).toEqual([ROOM, OTHER, ROOM]);

    activity.presence(ROOM, [ALICE]);
    expect(activity.get(ROOM)).toEqual({ typing: [], online: [ALICE] });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('applies who came and went to the set it holds; whoever goes stops typing', () => {
    const { activity, changes } = watched();
    activity.presence(ROOM, [ALICE, BOB]);
    activity.typing(ROOM, BOB, 6000);
    activity.presenceChange(ROOM, [CAROL], [BOB]);
    expect(activity.get(ROOM)).toMatchObject({ online: [ALICE, CAROL], typing: [] });
    // Told twice (a frame from before a reconnect's set, say): the set does not change.
    activity.presenceChange(ROOM, [CAROL], [BOB]);
    expect(changes).toEqual([ROOM, ROOM, ROOM]);
    // A room never told its set starts from nobody.
    activity.presenceChange(OTHER, [BOB], []);
    expect(activity.get(OTHER).online).toEqual([BOB]);
  });

  it('holds why a room is closed to this browser, until it is let in or the socket drops', () => {
    const { activity, changes } = watched();
    activity.denied(ROOM, 'no proof');
    activity.denied(ROOM, 'no proof');
    expect(activity.get(ROOM)).toEqual({ typing: [], online: [], denied: 'no proof' });
    expect(activityView(activity.get(ROOM), new Map(), ALICE).denied).toBe('no proof');
    expect(activity.activeRooms()).toEqual([ROOM]);
    activity.denied(ROOM, null);
    expect(activity.get(ROOM)).toEqual({ typing: [], online: [] });
    expect(changes).toEqual([ROOM, ROOM]);
    activity.denied(ROOM, 'again');
    activity.clear();
    expect(activity.get(ROOM).denied).toBeUndefined();
  });

  it('forgets everything when cleared, telling each room that had something', () => {
    const { activity, changes } = watched();
    activity.presence(ROOM, [ALICE]);
    activity.typing(OTHER, BOB, 6000);
    activity.presence('empty' as RoomId, []);
    changes.length = 0;
    expect(activity.activeRooms()).toEqual([ROOM, OTHER]);
    activity.clear();
    expect(changes).toEqual([ROOM, OTHER]);
    expect(activity.get(ROOM)).toEqual({ typing: [], online: [] });
    expect(activity.activeRooms()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("loads another core's state, with its typing expiring on time here too", () => {
    const { activity, changes } = watched();
    activity.typing(ROOM, CAROL, 6000);
    activity.load(ROOM, { typing: [{ author: BOB, ttl: 1500 }], online: [BOB, ALICE] });
    expect(changes).toEqual([ROOM, ROOM]);
    expect(activity.get(ROOM)).toEqual({
      typing: [{ author: BOB, ttl: 1500 }],
      online: [ALICE, BOB],
    });
    vi.advanceTimersByTime(1500);
    expect(activity.get(ROOM).typing).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps calling the other listeners when one throws', () => {
    const activity = new ActivityState();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const seen: RoomId[] = [];
    activity.onChange(() => {
      throw new Error('boom');
    });
    activity.onChange((room) => void seen.push(room));
    activity.presence(ROOM, [ALICE]);
    expect(seen).toEqual([ROOM]);
    expect(error).toHaveBeenCalled();
    error.mockRestore();
  });
});

describe('activityView', () => {
  it('names people as the room does, leaves the reader out of typing and marks them online', () => {
    const names = new Map([
      [ALICE, 'Alice'],
      [BOB, 'Bob'],
    ]);
    const view = activityView(
      {
        typing: [
          { author: CAROL, ttl: 10 },
          { author: ALICE, ttl: 10 },
          { author: BOB, ttl: 10 },
        ],
        online: [ALICE, BOB, CAROL],
      },
      names,
      ALICE,
    );
    expect(view).toEqual({
      typing: ['Guest caro', 'Bob'],
      online: [
        { author: ALICE, name: 'Alice', own: true },
        { author: BOB, name: 'Bob', own: false },
        { author: CAROL, name: 'Guest caro', own: false },
      ],
      denied: null,
    });
  });
});
