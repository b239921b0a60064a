import type { AnyEvent, EventId, RoomId, SequencedEvent } from '../../shared/index.ts';

/**
 * Idempotency keys of some of the events of an append, by event id: a key a caller
 * outside the sync protocol (a bot's POST) chose, so that its retries, which build a new
 * event each time, are still stored once.
 */
export type IdempotencyKeys = ReadonlyMap<EventId, string>;

/** Where an appended event stands in its room. */
export interface AppendResult {
  /** The stored event's id: for a repeated idempotency key, the first event's. */
  id: EventId;
  room: RoomId;
  seq: number;
  rts: number;
  /** The log held this id (or key) already: these are its original room, seq and rts. */
  duplicate: boolean;
}

export interface ReadLimits {
  maxEvents: number;
  /** Soft bound on the events' UTF-8 JSON size; a page always holds at least one event. */
  maxBytes: number;
}

/**
 * The relay's canonical log. Small on purpose, so that another engine can implement
 * it; every implementation passes the suite in `event-log.contract.ts`.
 */
export interface EventLog {
  /** Chosen when the log is created and kept for its life: a new epoch means a new log. */
  readonly epoch: string;
  /**
   * Appends events in one atomic transaction that is durable once the promise resolves.
   * Idempotent by event id, checked inside the same transaction: a known id gets its
   * original place back and nothing is stored (also for an id repeated within one call).
   * Results come in input order. Sequences are dense per room and start at 1; `now`
   * becomes each new event's `rts`.
   *
   * An event with an idempotency key in `keys` is stored only if the log has never
   * seen that key; otherwise its result is the place of the event first stored under
   * it (`duplicate`, with that event's id). Keys are kept for the log's life, in the
   * same transaction as the events.
   */
  append(events: readonly AnyEvent[], now: number, keys?: IdempotencyKeys): Promise<AppendResult[]>;
  /**
   * Events of a room with seq > after, ascending, within the limits; at least one when
   * there is any, even if that one alone is larger than `maxBytes`.
   */
  read(room: RoomId, after: number, limits: ReadLimits): Promise<SequencedEvent[]>;
  /** The room's highest sequence, 0 when it has none. */
  head(room: RoomId): Promise<number>;
  close(): Promise<void>;
}

/** Random and URL-safe, for epochs and connection ids (16 characters by default). */
export function randomId(bytes = 12): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url');
}

/**
 * What a stored event weighs in a page. Both engines count the same thing, the event's
 * JSON as stored, so the contract suite can test the byte bound the same way for both.
 */
export function storedSize(json: string): number {
  return Buffer.byteLength(json, 'utf8');
}
