import { DEFAULT_ROOM, isRoomId, type RoomId } from '../../shared/ids.ts';

/**
 * Where the app is: the room in the URL's fragment (`#/r/<room>`). The fragment never
 * reaches a server, which is also where a room's invite secret will travel.
 */
export function roomHref(room: RoomId): string {
  return `#/r/${room}`;
}

export function roomFromHash(hash: string): RoomId | null {
  const match = /^#\/r\/([^/?#]+)$/.exec(hash);
  const room = match?.[1] ? decodeURIComponent(match[1]) : null;
  return isRoomId(room) ? room : null;
}

/** The link to share: opening it in another browser joins the room. */
export function inviteLink(room: RoomId, base: string): string {
  return new URL(roomHref(room), base).href;
}

export { DEFAULT_ROOM };
