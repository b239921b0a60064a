import type { KafkyEvent } from '../../../shared/index.ts';
import type { KafkyDb, StoredEvent } from '../db.ts';

/** A known, valid event together with where it stands in this browser's log. */
export type ProjectedEvent = KafkyEvent & Omit<StoredEvent, keyof KafkyEvent>;

/**
 * Builds one read model from the log. `apply` runs inside the transaction that stored
 * or changed the event, and brings the read model in line with the event as it is
 * stored now: applying it again (say, once the relay has sequenced it) is safe.
 * Projectors are pure: they read only the event and their read model, never the clock
 * or the network, so a rebuild from the log gives the same read model.
 */
export interface Projector {
  readonly name: string;
  /** Bump when `apply` changes, so the read model is rebuilt from the log. */
  readonly version: number;
  apply(db: KafkyDb, event: ProjectedEvent): Promise<void>;
}

/**
 * Where an event sorts in a room: confirmed events by the relay's sequence, then this
 * browser's pending ones in local order. One order for every read model.
 */
export function sortKey(event: Pick<StoredEvent, 'seq' | 'pos'>): { section: 0 | 1; n: number } {
  return event.seq === undefined ? { section: 1, n: event.pos } : { section: 0, n: event.seq };
}

export function compareSortKeys(
  a: { section: 0 | 1; n: number },
  b: { section: 0 | 1; n: number },
): number {
  return a.section - b.section || a.n - b.n;
}
