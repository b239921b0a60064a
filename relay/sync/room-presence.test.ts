import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthorId, PresenceChange, RoomId } from '../../shared/index.ts';
import { RoomPresence, type PresenceMember } from './room-presence.ts';
import { silentLogger } from './socket.ts';

const ROOM = 'lobby' as RoomId;
const member = (author: string, live = true): PresenceMember => ({
  connection: { author: author as AuthorId },
  live,
});

function setup(send?: (to: PresenceMember) => void) {
  const members: PresenceMember[] = [];
  const frames: { to: PresenceMember; message: PresenceChange; encoded: Buffer }[] = [];
  const logger = { ...silentLogger, error: vi.fn() };
  const presence = new RoomPresence(
    (room) => (room === ROOM ? members : []),
    (to, message, encoded) => {
      send?.(to);
      frames.push({ to, message, encoded });
    },
    { now: () => Date.now(), intervalMs: 1000, logger },
  );
  return { members, frames, presence, logger };
}

describe('RoomPresence', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('tells a room of a change at once, then of all the changes within the interval in one frame', () => {
    const { members, frames, presence } = setup();
    members.push(member('alice'));
    presence.changed(ROOM);
    expect(frames.map((f) => [f.message.joined, f.message.left])).toEqual([[['alice'], []]]);

    // The room fills: three join within the interval, one frame for them at its end.
    for (const who of ['dave', 'bob', 'carol']) {
      members.push(member(who));
      presence.changed(ROOM);
    }
    expect(frames).toHaveLength(1);
    // One frame waits, however many changes it holds.
    expect(vi.getTimerCount()).toBe(1);
    // Until it goes, one who catches up is sent the set the others hold.
    expect(presence.toldOnline(ROOM)).toEqual(['alice']);
    vi.advanceTimersByTime(999);
    expect(frames).toHaveLength(1);
    vi.advanceTimersByTime(1);
    const told = frames.slice(1);
    expect(told.map((f) => f.to)).toEqual(members);
    // Only who came and went: not the room's whole set, to everyone.
    const change = {
      type: 'presence-change',
      room: ROOM,
      joined: ['bob', 'carol', 'dave'],
      left: [],
    };
    expect(told.every((f) => JSON.stringify(f.message) === JSON.stringify(change))).toBe(true);
    // Serialized once: every subscriber gets the same bytes, the frame's JSON.
    expect(new Set(told.map((f) => f.encoded)).size).toBe(1);
    expect(JSON.parse(told[0]!.encoded.toString('utf8'))).toEqual(change);
    expect(presence.toldOnline(ROOM)).toEqual(['alice', 'bob', 'carol', 'dave']);

    // After a quiet interval, a change goes at once again.
    vi.advanceTimersByTime(5000);
    members.splice(members.indexOf(told[1]!.to), 1);
    presence.changed(ROOM);
    expect(frames.at(-1)?.message).toMatchObject({ joined: [], left: ['dave'] });
    expect(frames).toHaveLength(1 + 4 + 3);
  });

  it('tells nothing when the set is as last told, nor to subscribers still catching up', () => {
    const { members, frames, presence } = setup();
    members.push(member('alice'), member('bob', false));
    presence.changed(ROOM);
    expect(frames.map((f) => f.to)).toEqual([members[0]]);
    expect(frames[0]?.message.joined).toEqual(['alice', 'bob']);
    // A second connection of Alice's changes nothing anyone sees.
    vi.advanceTimersByTime(1000);
    members.push(member('alice'));
    presence.changed(ROOM);
    expect(frames).toHaveLength(1);
    // Frank joins (told at once, to the three live); Eve comes and goes within the
    // interval that starts, which changes nothing either.
    members.push(member('frank'));
    presence.changed(ROOM);
    expect(frames).toHaveLength(4);
    members.push(member('eve'));
    presence.changed(ROOM);
    members.pop();
    presence.changed(ROOM);
    vi.advanceTimersByTime(1000);
    expect(frames).toHaveLength(4);
    expect(presence.online(ROOM)).toEqual(['alice', 'bob', 'frank']);
    expect(presence.toldOnline(ROOM)).toEqual(['alice', 'bob', 'frank']);
  });

  it('holds a change made while a frame goes out (a slow consumer closed) for the interval', () => {
    const members = [member('alice'), member('xavier'), member('carol')];
    const order: string[] = [];
    const presence: RoomPresence<PresenceMember> = new RoomPresence(
      () => members,
      (to, message) => {
        order.push(`${to.connection.author}: +${message.joined.join()} -${message.left.join()}`);
        // Xavier's socket is full: the relay closes it, which changes the room at once.
        if (to.connection.author === 'xavier' && message.joined.length > 0) {
          members.splice(members.indexOf(to), 1);
          presence.changed(ROOM);
        }
      },
      { now: () => Date.now(), intervalMs: 1000, logger: silentLogger },
    );
    presence.changed(ROOM);
    // Carol gets the frame that names Xavier before the one that takes him out.
    expect(order).toEqual([
      'alice: +alice,carol,xavier -',
      'xavier: +alice,carol,xavier -',
      'carol: +alice,carol,xavier -',
    ]);
    vi.advanceTimersByTime(1000);
    expect(order.slice(3)).toEqual(['alice: + -xavier', 'carol: + -xavier']);
    expect(presence.toldOnline(ROOM)).toEqual(['alice', 'carol']);
  });

  it('tells no room anything once closed', () => {
    const { members, frames, presence } = setup();
    presence.close();
    members.push(member('alice'));
    presence.changed(ROOM);
    expect(frames).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets nothing a failing send throws escape its timer, and drops what waits on close', () => {
    let broken = false;
    const { members, frames, presence, logger } = setup(() => {
      if (broken) throw new Error('socket gone');
    });
    members.push(member('alice'));
    presence.changed(ROOM);
    members.push(member('bob'));
    presence.changed(ROOM);
    broken = true;
    expect(() => vi.advanceTimersByTime(1000)).not.toThrow();
    expect(logger.error).toHaveBeenCalledOnce();

    broken = false;
    vi.advanceTimersByTime(1000);
    members.push(member('carol'));
    presence.changed(ROOM);
    members.push(member('dave'));
    presence.changed(ROOM);
    const before = frames.length;
    presence.close();
    vi.advanceTimersByTime(5000);
    expect(frames).toHaveLength(before);
  });
});
