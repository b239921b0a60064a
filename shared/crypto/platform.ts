/**
 * The slice of the platform's Web Crypto that Kafky uses, typed here because `shared/`
 * compiles without DOM or Node types. Browsers, workers and Node 20 all provide it on
 * `globalThis` (Ed25519 included in Chromium 137+, Firefox 129+, Safari 17+ and Node 20).
 */

/** A key held by the platform; a browser's `CryptoKey` fits, so keys pass straight through. */
export interface PlatformKey {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: { readonly name: string };
}

export interface PlatformKeyPair {
  readonly publicKey: PlatformKey;
  readonly privateKey: PlatformKey;
}

type Bytes = Uint8Array<ArrayBuffer>;
type Algorithm = { name: string } | string;

export interface PlatformSubtle {
  digest(algorithm: Algorithm, data: Bytes): Promise<ArrayBuffer>;
  sign(algorithm: Algorithm, key: PlatformKey, data: Bytes): Promise<ArrayBuffer>;
  verify(algorithm: Algorithm, key: PlatformKey, signature: Bytes, data: Bytes): Promise<boolean>;
  generateKey(
    algorithm: Algorithm,
    extractable: boolean,
    usages: readonly string[],
  ): Promise<PlatformKeyPair>;
  importKey(
    format: 'raw' | 'pkcs8' | 'jwk',
    keyData: Bytes | Record<string, unknown>,
    algorithm: Algorithm,
    extractable: boolean,
    usages: readonly string[],
  ): Promise<PlatformKey>;
  exportKey(format: 'raw', key: PlatformKey): Promise<ArrayBuffer>;
  exportKey(format: 'jwk', key: PlatformKey): Promise<Record<string, unknown>>;
}

interface Platform {
  crypto?: { subtle?: PlatformSubtle; getRandomValues<T extends Bytes>(array: T): T };
  TextEncoder: new () => { encode(text: string): Bytes };
}

const platform = globalThis as unknown as Platform;

/** The platform's SubtleCrypto; throws where there is none (an insecure context). */
export function subtle(): PlatformSubtle {
  const found = platform.crypto?.subtle;
  if (!found) throw new Error('Web Crypto (crypto.subtle) is not available here');
  return found;
}

export function randomBytes(length: number): Bytes {
  return platform.crypto!.getRandomValues(new Uint8Array(length));
}

const encoder = new platform.TextEncoder();

export function utf8(text: string): Bytes {
  return encoder.encode(text);
}
