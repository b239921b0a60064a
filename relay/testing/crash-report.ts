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

/** A seeded pseudo-random generator (mulberry32): numbers in [0, 1), the same for a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
