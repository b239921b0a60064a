import { describe, expect, it } from 'vitest';
import type { RoomId } from '../../shared/ids.ts';
import { inviteLink, roomFromHash, roomHref } from './routes.ts';

describe('routes', () => {
  it('round-trips a room through the fragment', () => {
    const room = 'Ab_3-x' as RoomId;
    expect(roomFromHash(roomHref(room))).toBe(room);
    expect(inviteLink(room, 'https://chat.example/app?x=1')).toBe(
      'https://chat.example/app?x=1#/r/Ab_3-x',
    );
  });

  it.each(['', '#', '#/r/', '#/r/has space', '#/r/a/b', '#/x/abc', `#/r/${'a'.repeat(65)}`])(
    'finds no room in %j',
    (hash) => {
      expect(roomFromHash(hash)).toBeNull();
    },
  );
});
