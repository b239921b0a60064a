import { isRoomSecret } from '../../shared/crypto/room-keys.ts';
import { DEFAULT_ROOM, isEventId, isRoomId, type EventId, type RoomId } from '../../shared/ids.ts';

/**
 * Where the app is: the room in the URL's fragment (`#/r/<room>`). The fragment never
 * reaches a server, which is why a room's invite secret travels there too
 * (`#/r/<room>/<secret>`).
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

/** A room, and in it a message (a link from search) or the room's secret (an invite). */
export interface Route {
  room: RoomId;
  message: EventId | null;
  secret: string | null;
}

export function routeFromHash(hash: string): Route | null {
  const match = /^#\/r\/([^/?#]+)(?:\/([^/?#]+))?$/.exec(hash);
  let room: string | null;
  try {
    room = match?.[1] ? decodeURIComponent(match[1]) : null;
  } catch {
    return null; // A malformed escape (`%E0`): no route, so the app opens the lobby.
  }
  if (!isRoomId(room)) return null;
  const rest = match?.[2] ?? null;
  // A message id and a secret cannot be mistaken: 26 Crockford characters against 43.
  if (rest === null) return { room, message: null, secret: null };
  if (isEventId(rest)) return { room, message: rest, secret: null };
  if (isRoomSecret(rest)) return { room, message: null, secret: rest };
  return null;
}

/**
 * The link to share: opening it in another browser joins the room, with the room's
 * secret in the fragment (none for an open room such as the lobby).
 */
export function inviteLink(room: RoomId, secret: string | null, base: string): string {
  return new URL(secret ? `${roomHref(room)}/${secret}` : roomHref(room), base).href;
}

export { DEFAULT_ROOM };
