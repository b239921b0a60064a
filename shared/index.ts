export * from './crypto/index.ts';
export * from './errors.ts';
export * from './events/index.ts';
export * from './ids.ts';
export * from './limits.ts';
export * from './protocol/index.ts';
export * from './protocol-version.ts';
export * from './validation.ts';
