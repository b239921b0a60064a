import type { AuthorId, RoomId } from '../ids.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { ED25519, PROOF_TEXTS, isKeyAuthor, signText } from './signing.ts';
import { randomBytes, subtle, type PlatformKey } from './platform.ts';

/**
 * A room's capability. Its secret is 32 random bytes, used as an Ed25519 seed: whoever
 * holds it can sign as the room's key. The relay keeps only the public half (the
 * verifier, from the room's `room.created` event), so a stolen database opens no room.
 */
export interface RoomKey {
  /** Signs proofs and tokens for the room. */
  privateKey: PlatformKey;
  /** The verifier: the room's public key, in base64url. */
  publicKey: string;
}

/** A fresh room secret, in base64url: what an invite link carries in its fragment. */
export function newRoomSecret(): string {
  return toBase64url(randomBytes(32));
}

/** A secret is 32 bytes in base64url, the same shape as a public key. */
export const isRoomSecret: (secret: string) => boolean = isKeyAuthor;

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): Web Crypto imports seeds only so.
const PKCS8_SEED_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

const derived = new Map<string, Promise<RoomKey>>();

/** The room's key pair from its secret (cached: proofs are signed on every connect). */
export function roomKey(secret: string): Promise<RoomKey> {
  let found = derived.get(secret);
  if (!found) {
    found = deriveRoomKey(secret);
    derived.set(secret, found);
    found.catch(() => derived.delete(secret));
  }
  return found;
}

async function deriveRoomKey(secret: string): Promise<RoomKey> {
  const seed = isRoomSecret(secret) ? fromBase64url(secret) : null;
  if (!seed) throw new Error('a room secret is 32 bytes in base64url');
  const pkcs8 = new Uint8Array([...PKCS8_SEED_PREFIX, ...seed]);
  // Extractable only to read the public half: the secret itself is in the invite link.
  const privateKey = await subtle().importKey('pkcs8', pkcs8, ED25519, true, ['sign']);
  const jwk = await subtle().exportKey('jwk', privateKey);
  return { privateKey, publicKey: String(jwk.x) };
}

/**
 * An identity kept as a secret rather than as a key in a browser's store: a bot's, a
 * test's. The seed is the private key, so it must be kept as one.
 */
export async function identityFromSecret(
  secret: string,
): Promise<{ author: AuthorId; privateKey: PlatformKey }> {
  const { privateKey, publicKey } = await roomKey(secret);
  return { author: publicKey as AuthorId, privateKey };
}

/** Answers a connection's challenge for a room: the `proof` of a `subscribe`. */
export async function joinProof(secret: string, challenge: string, room: RoomId): Promise<string> {
  return signText((await roomKey(secret)).privateKey, PROOF_TEXTS.join(challenge, room));
}

/** A bearer token for the REST API: `<expires>.<signature>`, valid until `expires` (ms). */
export async function roomToken(secret: string, room: RoomId, expires: number): Promise<string> {
  const signature = await signText(
    (await roomKey(secret)).privateKey,
    PROOF_TEXTS.token(room, expires),
  );
  return `${expires}.${signature}`;
}

/** A token's parts; null if it is not shaped as one. */
export function parseRoomToken(token: string): { expires: number; signature: string } | null {
  const match = /^(\d{1,16})\.([A-Za-z0-9_-]{86})$/.exec(token);
  return match ? { expires: Number(match[1]), signature: match[2]! } : null;
}
