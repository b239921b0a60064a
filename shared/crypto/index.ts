export * from './base64url.ts';
export * from './canonical.ts';
export type { PlatformKey, PlatformKeyPair } from './platform.ts';
export * from './room-keys.ts';
export * from './signing.ts';
