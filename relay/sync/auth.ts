import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import {
  KafkyError,
  isKeyAuthor,
  type AnyEvent,
  type AuthorId,
  type Checked,
} from '../../shared/index.ts';
import { admitEvent } from './admission.ts';

// Node's own Ed25519, synchronous, so that a connection's frames keep their order while
// a proof is checked: Web Crypto's verify is a promise. Both follow RFC 8032 (tested in
// shared/crypto). Keys are parsed once: a room's key is checked on every join.
const keys = new Map<string, KeyObject | null>();
const KEYS_MAX = 10_000;

function keyObject(key: string): KeyObject | null {
  let found = keys.get(key);
  if (found === undefined) {
    try {
      found = isKeyAuthor(key)
        ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key }, format: 'jwk' })
        : null;
    } catch {
      found = null;
    }
    if (keys.size >= KEYS_MAX) keys.clear();
    keys.set(key, found);
  }
  return found;
}

/** Whether `proof` is the signature of `text` by the base64url Ed25519 public key `key`. */
export function verifyProof(key: string, text: string, proof: string): boolean {
  const publicKey = keyObject(key);
  if (!publicKey) return false;
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, Buffer.from(proof, 'base64url'));
  } catch {
    return false;
  }
}

/** A connection's challenge: 18 random bytes, never reused, so no proof can be replayed. */
export function newChallenge(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Whether the relay stores an event pushed on a connection authenticated as `author`:
 * what `admitEvent` checks, and that the event is the connection's author's and carries a
 * signature. The signature itself is checked by every peer, not here (docs/security.md
 * has the measurement behind that).
 */
export function admitPushed(
  event: unknown,
  author: AuthorId,
  maxEventBytes: number,
): Checked<AnyEvent> {
  const checked = admitEvent(event, maxEventBytes);
  if (!checked.ok) return checked;
  if (checked.value.author !== author) {
    return refuse(
      'wrong_author',
      `this connection proved the key of ${author}; it cannot push an event by ${checked.value.author}`,
    );
  }
  if (checked.value.sig === undefined) {
    return refuse('unsigned_event', 'an event must carry its author’s signature in sig');
  }
  return checked;
}

function refuse(code: 'wrong_author' | 'unsigned_event', message: string): Checked<AnyEvent> {
  return { ok: false, error: new KafkyError(code, message) };
}
