import { describe, expect, it } from 'vitest';
import { newRoomSecret } from '../../shared/crypto/room-keys.ts';
import type { EventId, RoomId } from '../../shared/ids.ts';
import { inviteLink, messageHref, roomFromHash, roomHref, routeFromHash } from './routes.ts';

describe('routes', () => {
  it('round-trips a room through the fragment', () => {
    const room = 'Ab_3-x' as RoomId;
    expect(roomFromHash(roomHref(room))).toBe(room);
    expect(inviteLink(room, null, 'https://chat.example/app?x=1')).toBe(
      'https://chat.example/app?x=1#/r/Ab_3-x',
    );
  });

  it('carries a room’s secret in the fragment of its invite link', () => {
    const room = 'Ab_3-x' as RoomId;
    const secret = newRoomSecret();
    const link = inviteLink(room, secret, 'https://chat.example/');
    expect(link).toBe(`https://chat.example/#/r/Ab_3-x/${secret}`);
    expect(routeFromHash(new URL(link).hash)).toEqual({ room, message: null, secret });
    // A secret cut short by a careless copy is no route at all.
    expect(routeFromHash(`#/r/Ab_3-x/${secret.slice(0, 40)}`)).toBeNull();
  });

  it('links to one message in its room', () => {
    const room = 'room-1' as RoomId;
    const id = '01ARZ3NDEKTSV4RRFFQ69G5FAV' as EventId;
    expect(routeFromHash(messageHref(room, id))).toEqual({ room, message: id, secret: null });
    expect(routeFromHash(roomHref(room))).toEqual({ room, message: null, secret: null });
  });

  it.each(['', '#', '#/r/', '#/r/has space', '#/r/a/b', '#/x/abc', `#/r/${'a'.repeat(65)}`])(
    'finds no room in %j',
    (hash) => {
      expect(roomFromHash(hash)).toBeNull();
    },
  );
});
