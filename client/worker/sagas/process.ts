import type { ErrorCode, EventId, KafkyEvent, RoomId } from '../../../shared/index.ts';
import type { KafkyDb } from '../db.ts';
import type { EventStore } from '../event-store.ts';

import type { ProcessId } from '../../api.ts';

export type { ProcessId };

/**
 * Where a process stands:
 * - `running`: its current step's events wait for the relay's acknowledgement;
 * - `refused`: the relay refused one; it is compensated and waits for the person to
 *   retry (back to `running`) or discard (the process ends);
 * - `compensated`: a step was refused, what the steps before it did is undone, and the
 *   process ended there; kept so that the person can be told why.
 * A process that completes, or whose events are all dropped, ends: its row is deleted,
 * and its outcome is in the log.
 */
export type ProcessState = 'running' | 'refused' | 'compensated';

/**
 * Where a step stands: `waiting` for the steps before it, `pending` (its events written,
 * not all acknowledged), `done`, `refused`, or `compensated` (done, then undone).
 */
export type StepState = 'waiting' | 'pending' | 'done' | 'refused' | 'compensated';

export interface StepRow {
  name: string;
  state: StepState;
  /** The events this step wrote, once it started. */
  events: EventId[];
}

/** What a process keeps of its own: JSON, since it is stored as is. */
export type ProcessData = Record<string, unknown>;

/** A process as stored in the `processes` table: enough to resume it after a restart. */
export interface ProcessRow {
  id: ProcessId;
  /** Which `ProcessDefinition` runs it. */
  kind: string;
  state: ProcessState;
  /** The index of the current step in `steps`. */
  step: number;
  steps: StepRow[];
  /** Every event of every step, so an acknowledgement or a refusal finds its process. */
  events: EventId[];
  data: ProcessData;
  /** Why the relay refused it, once it did. */
  error?: { code: ErrorCode; message: string; step: string };
  created: number;
  updated: number;
}

/** An event a step writes, without what the process manager adds (id, author, time). */
export type EventDraft = KafkyEvent extends infer E
  ? E extends KafkyEvent
    ? Omit<E, 'id' | 'author' | 'ts'>
    : never
  : never;

export interface StepDefinition<D extends ProcessData> {
  /** Named in the stored row: never rename a step a stored process may be at. */
  readonly name: string;
  /**
   * The events of this step, written once every step before it is acknowledged. None
   * makes a step that is done as soon as it starts: a placeholder a later version fills.
   */
  events(data: D): EventDraft[];
}

/** What a definition's compensation may do, inside the transaction that records the refusal. */
export interface CompensationContext<D extends ProcessData> {
  process: ProcessRow;
  data: D;
  /** The refused step, and its refused event as stored (its `rejected` says why). */
  step: StepRow;
  refused: { id: EventId; code: ErrorCode; message: string };
  db: KafkyDb;
  store: EventStore;
  /** Marks a room left here, and stops following it once the transaction has committed. */
  leaveLocally: (room: RoomId) => Promise<void>;
  /**
   * Drops an own event that has never left this browser (and ends its process); false,
   * changing nothing, once it has been handed to a socket.
   */
  dropDraft: (id: EventId) => Promise<boolean>;
}

/**
 * A kind of process: its steps, in order, and how to undo what they did when a later
 * one is refused. See docs/sagas.md for how to add one.
 */
export interface ProcessDefinition<D extends ProcessData = ProcessData> {
  /** Named in the stored row: never rename a kind that may be stored. */
  readonly kind: string;
  readonly steps: readonly StepDefinition<D>[];
  /**
   * What a refusal leaves for the person: `wait` keeps the process `refused` until they
   * retry or discard; `report` ends it `compensated` and keeps it to tell them why;
   * `end` ends it at once (the refused event's compensating event in the log says why).
   */
  readonly onRefused: 'wait' | 'report' | 'end';
  /**
   * Undoes, locally, the effects of the steps done so far and of the refused one,
   * beyond what every refusal gets (a `delivery.refused` event, and projectors leaving
   * the refused event out). Runs inside the transaction that records the refusal: only
   * Dexie calls.
   */
  compensate?(context: CompensationContext<D>): Promise<void>;
  /**
   * For a process kept `compensated` (`onRefused: 'report'`): what the person asked
   * for, in a few words (the notice reads "<what> failed: <the relay's reason>"), and
   * the room it would have made, which the app then leaves.
   */
  describe?(data: D): { what: string; room?: RoomId };
}

/** Keeps a definition's data type while it goes into a list of definitions of any data. */
export function defineProcess<D extends ProcessData>(
  definition: ProcessDefinition<D>,
): ProcessDefinition {
  return definition;
}
