export * from '../relay/testing/relay-process.ts';
