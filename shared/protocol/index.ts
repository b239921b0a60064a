export * from './client-messages.ts';
export * from './relay-messages.ts';

/** WebSocket close codes the relay uses (4000-4999 are the application's own). */
export const CLOSE_CODES = {
  /** The relay is shutting down; reconnect later. */
  goingAway: 1001,
  /** Too many connections from one address: try again later (a standard code). */
  tryAgainLater: 1013,
  /** The frame broke the protocol badly enough that the connection cannot go on. */
  protocolError: 1002,
  /** The peer speaks another protocol version. */
  protocolMismatch: 4000,
  /** No `hello` within the allowed time. */
  helloTimeout: 4001,
  /** The answer to the relay's challenge did not prove the author's key. */
  authFailed: 4003,
  /** More unsent bytes queued for the client than the relay allows: it reads too slowly. */
  slowConsumer: 4008,
} as const;
