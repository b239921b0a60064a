import { KafkyError, generateIdentity, type AuthorId } from '../../shared/index.ts';
import type { KafkyDb } from './db.ts';

/** This browser profile's author: its Ed25519 key pair, the public key as its id. */
export interface DeviceIdentity {
  author: AuthorId;
  /** Non-extractable: it signs here and can never be read out, not even by this code. */
  privateKey: CryptoKey;
}

interface StoredIdentity {
  author: AuthorId;
  keys: CryptoKeyPair;
}

const KEY = 'identity';

/**
 * The profile's identity, made on first use. IndexedDB keeps the CryptoKeys themselves
 * (structured clone), so the private key never exists as bytes outside the browser's
 * crypto. Made outside any transaction (Web Crypto is asynchronous, which would commit
 * one under us); if another tab's worker stored one meanwhile, that one wins.
 * The `author` meta row follows it: the store finds its own events by it.
 */
export async function loadIdentity(db: KafkyDb): Promise<DeviceIdentity> {
  const stored = await read(db);
  if (stored) return stored;
  let made: { keys: CryptoKeyPair; author: AuthorId };
  try {
    made = (await generateIdentity()) as { keys: CryptoKeyPair; author: AuthorId };
  } catch (error) {
    throw new KafkyError(
      'signing_unsupported',
      'no Ed25519 in this browser’s Web Crypto: Kafky does not run unsigned',
      { cause: error },
    );
  }
  return db.transaction('rw', db.meta, async () => {
    const raced = await read(db);
    if (raced) return raced;
    const row: StoredIdentity = { author: made.author, keys: made.keys };
    await db.meta.put({ key: KEY, value: row });
    await db.meta.put({ key: 'author', value: made.author });
    return { author: made.author, privateKey: made.keys.privateKey };
  });
}

async function read(db: KafkyDb): Promise<DeviceIdentity | null> {
  const row = (await db.meta.get(KEY))?.value as StoredIdentity | undefined;
  return row ? { author: row.author, privateKey: row.keys.privateKey } : null;
}
