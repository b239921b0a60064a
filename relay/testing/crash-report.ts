import type { AnyEvent } from '../../shared/index.ts';

/**
 * What a crash client (crash-client.ts) tells the test that runs it: one JSON object per
 * line on its stdout, in the order things happened.
 */
export type CrashLine =
  /** It wrote an event, before sending it anywhere. */
  | { t: 'event'; event: AnyEvent }
  /** A connection was welcomed: the relay's epoch, the connection's id, the relay's clock. */
  | { t: 'welcome'; epoch: string; connection: string; time: number }
  /** The relay acknowledged one event (again, maybe: every ack is reported). */
  | { t: 'ack'; id: string; room: string; seq: number; rts: number }
  /** Something a correct relay never sends here: a bad frame, an error, a rejection. */
  | { t: 'problem'; what: string }
  /** Every event written and acknowledged; the client is about to exit. */
  | { t: 'done'; events: number; connections: number };
