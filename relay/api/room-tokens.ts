import type { MiddlewareHandler } from 'hono';
import { PROOF_TEXTS, isRoomId, parseRoomToken } from '../../shared/index.ts';
import { verifyProof } from '../sync/auth.ts';
import type { Hub } from '../sync/hub.ts';
import { roomAccess } from '../sync/room-access.ts';
import { refuse } from './errors.ts';

/**
 * The REST side of room capabilities: reading or posting to a keyed room takes a bearer
 * token signed by the room's key (`roomToken` in shared/crypto), as a socket takes a
 * proof. The token names its expiry and is good for its one room; open rooms need none.
 */
export function roomTokens(hub: Hub): MiddlewareHandler {
  return async (c, next) => {
    const room = c.req.param('room');
    if (!isRoomId(room)) return next();
    const state = await roomAccess(hub.log).state(room);
    if (state.kind !== 'keyed') return next();
    const header = c.req.header('Authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
    if (!bearer) {
      refuse('token_required', `room ${room} needs a token: Authorization: Bearer <token>`);
    }
    const token = parseRoomToken(bearer);
    if (!token) refuse('invalid_token', 'a token is <expires>.<signature>');
    if (token.expires <= hub.time()) refuse('invalid_token', 'this token has expired');
    if (!verifyProof(state.key, PROOF_TEXTS.token(room, token.expires), token.signature)) {
      refuse('invalid_token', `this token was not made with the key of room ${room}`);
    }
    return next();
  };
}
