import { DEFAULT_ROOM, isEventId, isRoomId, type EventId, type RoomId } from '../../shared/ids.ts';

/**
 * Where the app is: the room in the URL's fragment (`#/r/<room>`). The fragment never
 * reaches a server, which is also where a room's invite secret will travel.
 */
export function roomHref(room: RoomId): string {
  return `#/r/${room}`;
}

/** A link to one message in its room (`#/r/<room>/<message>`), e.g. from search. */
export function messageHref(room: RoomId, message: EventId): string {
  return `${roomHref(room)}/${message}`;
}

export function roomFromHash(hash: string): RoomId | null {
  return routeFromHash(hash)?.room ?? null;
}

export function routeFromHash(hash: string): { room: RoomId; message: EventId | null } | null {
  const match = /^#\/r\/([^/?#]+)(?:\/([^/?#]+))?$/.exec(hash);
  const room = match?.[1] ? decodeURIComponent(match[1]) : null;
  if (!isRoomId(room)) return null;
  const message = match?.[2] ?? null;
  if (message !== null && !isEventId(message)) return null;
  return { room, message };
}

/** The link to share: opening it in another browser joins the room. */
export function inviteLink(room: RoomId, base: string): string {
  return new URL(roomHref(room), base).href;
}

export { DEFAULT_ROOM };
