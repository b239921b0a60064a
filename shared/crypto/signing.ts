import type { AuthorId, RoomId } from '../ids.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { canonicalJson } from './canonical.ts';
import { subtle, utf8, type PlatformKey, type PlatformKeyPair } from './platform.ts';

export const ED25519 = { name: 'Ed25519' } as const;
/** An Ed25519 public key (32 bytes) or seed, in base64url: 43 characters. */
export const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** An Ed25519 signature (64 bytes) in base64url: 86 characters. */
export const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{86}$/;

/** The fields of an event its signature covers: the envelope, and its payload by hash. */
export interface SignableEvent {
  id: string;
  type: string;
  v: number;
  room: string;
  author: string;
  ts: number;
  payload: unknown;
}

/** Why a signature does not hold, for the person reading the inspector. */
export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether an author id is a public key, so its events can be verified. Ids from before
 * signing (16 random bytes) are not: their events can never prove who wrote them.
 */
export function isKeyAuthor(author: string): boolean {
  return KEY_PATTERN.test(author) && fromBase64url(author)?.length === 32;
}

/** A browser's identity: an Ed25519 key pair, and its public key as its author id. */
export async function generateIdentity(
  extractable = false,
): Promise<{ keys: PlatformKeyPair; author: AuthorId }> {
  const keys = await subtle().generateKey(ED25519, extractable, ['sign', 'verify']);
  return { keys, author: await authorOf(keys.publicKey) };
}

export async function authorOf(publicKey: PlatformKey): Promise<AuthorId> {
  return toBase64url(new Uint8Array(await subtle().exportKey('raw', publicKey))) as AuthorId;
}

// Imported keys by their base64url form: a catch-up page names few authors many times.
const imported = new Map<string, Promise<PlatformKey | null>>();
const IMPORTED_MAX = 10_000;

/** The verifying key for a base64url public key; null if it is not one. */
export function publicKeyFrom(key: string): Promise<PlatformKey | null> {
  let found = imported.get(key);
  if (!found) {
    const raw = isKeyAuthor(key) ? fromBase64url(key) : null;
    found = raw
      ? subtle()
          .importKey('raw', raw, ED25519, true, ['verify'])
          .catch(() => null)
      : Promise.resolve(null);
    if (imported.size >= IMPORTED_MAX) imported.clear();
    imported.set(key, found);
  }
  return found;
}

/** SHA-256 of the payload's canonical JSON, in base64url. */
export async function payloadHash(payload: unknown): Promise<string> {
  const digest = await subtle().digest('SHA-256', utf8(canonicalJson(payload)));
  return toBase64url(new Uint8Array(digest));
}

/**
 * The bytes an event's signature covers: a domain tag, then the canonical JSON of its
 * envelope with the payload replaced by its hash. Signing the hash rather than the body
 * lets a later version strip a deleted message's body and keep the hash, and the
 * signature still holds. `seq`, `rts` and anything a store adds are not covered.
 */
export async function eventSigningInput(event: SignableEvent): Promise<Uint8Array<ArrayBuffer>> {
  const { id, type, v, room, author, ts } = event;
  const envelope = { id, type, v, room, author, ts, payload: await payloadHash(event.payload) };
  return utf8(`kafky-event/1\n${canonicalJson(envelope)}`);
}

/** The event with its author's signature in `sig` (Ed25519 is deterministic: same event, same sig). */
export async function signEvent<E extends SignableEvent>(
  event: E,
  privateKey: PlatformKey,
): Promise<E & { sig: string }> {
  const signature = await subtle().sign(ED25519, privateKey, await eventSigningInput(event));
  return { ...event, sig: toBase64url(new Uint8Array(signature)) };
}

/** Whether the event's `sig` is its author's signature over it. */
export async function verifyEvent(
  event: SignableEvent & { sig?: string },
): Promise<SignatureCheck> {
  if (event.sig === undefined) return { ok: false, reason: 'the event is not signed' };
  const key = await publicKeyFrom(event.author);
  if (!key) return { ok: false, reason: 'its author id is not a public key' };
  const signature = SIGNATURE_PATTERN.test(event.sig) ? fromBase64url(event.sig) : null;
  if (!signature) return { ok: false, reason: 'its signature is malformed' };
  const good = await subtle().verify(ED25519, key, signature, await eventSigningInput(event));
  return good ? { ok: true } : { ok: false, reason: 'its signature does not match its content' };
}

/** Signs a short text (a challenge's answer, a token), in base64url. */
export async function signText(privateKey: PlatformKey, text: string): Promise<string> {
  return toBase64url(new Uint8Array(await subtle().sign(ED25519, privateKey, utf8(text))));
}

/** Whether `signature` is the signature of `text` by the base64url public key `key`. */
export async function verifyText(key: string, text: string, signature: string): Promise<boolean> {
  const publicKey = await publicKeyFrom(key);
  const bytes = SIGNATURE_PATTERN.test(signature) ? fromBase64url(signature) : null;
  if (!publicKey || !bytes) return false;
  return subtle().verify(ED25519, publicKey, bytes, utf8(text));
}

/**
 * The texts signed as proofs, each with its own tag so a signature made for one can
 * never pass for another. Both sides build them here.
 */
export const PROOF_TEXTS = {
  /** A connection's author answers the relay's challenge with its device key. */
  auth: (challenge: string) => `kafky-auth/1\n${challenge}`,
  /** A connection proves it holds a room's secret, against its own challenge. */
  join: (challenge: string, room: RoomId) => `kafky-join/1\n${challenge}\n${room}`,
  /** A REST token: the room's key allows reading (and posting to) a room until `expires`. */
  token: (room: RoomId, expires: number) => `kafky-token/1\n${room}\n${expires}`,
} as const;
