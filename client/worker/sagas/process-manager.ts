import {
  KafkyError,
  newEventId,
  type Ack,
  type AuthorId,
  type ErrorCode,
  type EventId,
  type AnyEvent,
  type KafkyEvent,
  type RoomId,
} from '../../../shared/index.ts';
import type { FailedCommandView } from '../../api.ts';
import type { EventBus } from '../bus.ts';
import type { KafkyDb, StoredEvent } from '../db.ts';
import type { EventStore } from '../event-store.ts';
import { rowsWhere } from '../lookup.ts';
import type { Delivery } from '../sync/sync-client.ts';
import type {
  EventDraft,
  ProcessData,
  ProcessDefinition,
  ProcessId,
  ProcessRow,
  StepRow,
} from './process.ts';

/** What a transaction did that others must hear of, once it has committed. */
interface Effects {
  appended: StoredEvent[];
  left: RoomId[];
  changed: Map<ProcessId, ProcessChange>;
}

/** A process as it stands after a change, or as it stood when it ended. */
export interface ProcessChange {
  process: ProcessRow;
  /** Completed, dropped, or ended by a refusal: the row is gone. */
  ended: boolean;
}

export interface ProcessManagerOptions {
  store: EventStore;
  db: KafkyDb;
  bus: EventBus;
  author: AuthorId;
  definitions: readonly ProcessDefinition[];
  now?: () => number;
  /**
   * Signs own events before the transaction that writes them (Web Crypto is
   * asynchronous), so they are stored signed and can leave the moment it commits. Events
   * of later steps, written inside another transaction, are signed as they leave.
   */
  sign?: <E extends AnyEvent>(event: E) => Promise<E>;
}

/**
 * Runs every command the relay may refuse as a process (a saga) with explicit states
 * persisted in the `processes` table, next to the events they write and in the same
 * transactions. It is driven by what the log says (an event acknowledged, refused, or
 * dropped), so `resume` after a restart and a late acknowledgement both land in the
 * same place. See docs/sagas.md.
 */
export class ProcessManager implements Delivery {
  /** Stops following a room a compensation left; set by the core, which owns the socket. */
  unfollow: (room: RoomId) => void = () => undefined;

  private readonly definitions: Map<string, ProcessDefinition>;
  private readonly listeners = new Set<(change: ProcessChange) => void>();
  /** Acknowledged through `acked`, so their `kafked` emit has nothing left to do. */
  private readonly reconciled = new Set<EventId>();
  private readonly stopListening: () => void;
  private readonly now: () => number;

  constructor(private readonly options: ProcessManagerOptions) {
    this.definitions = new Map(options.definitions.map((d) => [d.kind, d]));
    this.now = options.now ?? Date.now;
    // An own event can also be confirmed by catch-up, when its ack was lost on the way.
    this.stopListening = options.bus.subscribe('kafked', (event) => {
      if (event.author !== options.author || event.seq === undefined) return;
      if (this.reconciled.delete(event.id)) return;
      return this.transact((effects) => this.reconcileEvents([event.id], effects));
    });
  }

  /**
   * Starts a process: writes its first step's events, with `alongside` (say, joining the
   * room they go to), in one transaction. Resolves once they are stored.
   */
  async start<D extends ProcessData>(
    definition: ProcessDefinition<D>,
    data: D,
    alongside?: (db: KafkyDb) => Promise<void>,
  ): Promise<{ process: ProcessRow; events: StoredEvent[] }> {
    if (!this.definitions.has(definition.kind)) {
      throw new KafkyError('internal', `No process of kind ${definition.kind} is registered.`);
    }
    const time = this.now();
    const process: ProcessRow = {
      id: newEventId(time) as string as ProcessId,
      kind: definition.kind,
      state: 'running',
      step: 0,
      steps: definition.steps.map((step) => ({ name: step.name, state: 'waiting', events: [] })),
      events: [],
      data,
      created: time,
      updated: time,
    };
    const { sign } = this.options;
    const first = definition.steps[0]?.events(data).map((draft) => this.event(draft));
    const signed = first && sign ? await Promise.all(first.map((event) => sign(event))) : first;
    const events = await this.transact(async (effects) => {
      // Together: what goes alongside touches none of what the step writes.
      await Promise.all([alongside?.(this.options.db), this.advance(process, effects, signed)]);
      return effects.appended.slice();
    });
    return { process, events };
  }

  /** Applies the relay's acknowledgements and moves the processes they finish a step of. */
  async acked(acks: Ack['acks']): Promise<StoredEvent[]> {
    const confirmed = await this.transact(async (effects) => {
      const confirmed = await this.options.store.applyAcks(acks);
      await this.reconcileEvents(
        confirmed.map((e) => e.id),
        effects,
      );
      return confirmed;
    });
    for (const event of confirmed) this.reconciled.add(event.id);
    return confirmed;
  }

  /**
   * The relay refused an own event: it stops being sent, its compensating event (a
   * local `delivery.refused`, with the relay's reason) goes in the log, and its process
   * compensates. A refusal heard twice (after a resend) is compensated once.
   */
  async refused(id: EventId, code: ErrorCode, message: string): Promise<void> {
    await this.transact(async (effects) => {
      const { db, store } = this.options;
      const before = await db.events.where('id').equals(id).first();
      if (!before || before.seq !== undefined || before.rejected) return;
      const marked = await store.markRejected(id, code, message);
      if (!marked) return;
      effects.appended.push(
        ...(await store.appendLocalOnly([
          this.event({
            type: 'delivery.refused',
            v: 1,
            room: marked.room,
            payload: { target: id, code, message: message.slice(0, 2000) },
          }),
        ])),
      );
      await this.reconcileEvents([id], effects);
    });
  }

  /** Sends a refused event again, as it was: its process runs again. False if not refused. */
  async retry(id: EventId): Promise<boolean> {
    return this.transact(async (effects) => {
      const { db, store } = this.options;
      if (!(await store.retryRejected(id))) return false;
      const event = (await db.events.where('id').equals(id).first())!;
      const [retried] = await store.appendLocalOnly([
        this.event({
          type: 'delivery.retried',
          v: 1,
          room: event.room,
          payload: { target: id },
        }),
      ]);
      // Announced as written now, so that the sync engine pushes it.
      effects.appended.push(event, retried!);
      await this.reconcileEvents([id], effects);
      return true;
    });
  }

  /**
   * Drops a refused event from this browser, with what depends on it: the compensating
   * events and own edits and reactions of it not in the relay's log. False if not refused.
   */
  async discard(id: EventId): Promise<boolean> {
    return this.transact(async (effects) => {
      const { db, store, author } = this.options;
      if (!(await store.discardRejected(id))) return false;
      const dependants = await db.events
        .where('payload.target')
        .equals(id)
        .filter((e) => e.author === author)
        .primaryKeys();
      const ids = (await db.events.bulkGet(dependants)).flatMap((e) => (e ? [e.id] : []));
      await store.dropUnsequenced(ids);
      await this.reconcileEvents([id, ...ids], effects);
      return true;
    });
  }

  /**
   * Drops an own event that has never left this browser, and ends its process with it.
   * False, changing nothing, once it has been handed to a socket.
   */
  async dropDraft(id: EventId): Promise<boolean> {
    return this.transact(async (effects) => {
      if (!(await this.options.store.reviseDraft(id, null))) return false;
      await this.reconcileEvents([id], effects);
      return true;
    });
  }

  /** Forgets a process that ended compensated, once the person has been told. */
  async dismiss(id: ProcessId): Promise<void> {
    await this.transact(async (effects) => {
      const process = await this.options.db.processes.get(id);
      if (process?.state !== 'compensated') return;
      await this.end(process, effects);
    });
  }

  /**
   * Picks up every unfinished process where the log says it stands: run at start, so a
   * process outlives the tab and the worker that started it.
   */
  async resume(): Promise<void> {
    await this.transact(async (effects) => {
      const open = await this.options.db.processes
        .where('state')
        .anyOf(['running', 'refused'])
        .toArray();
      for (const process of open) await this.reconcile(process, effects);
    });
  }

  /** Every process not ended, oldest first. */
  async list(): Promise<ProcessRow[]> {
    return (await this.options.db.processes.toArray()).sort((a, b) => a.created - b.created);
  }

  /** Processes kept `compensated` to tell the person why, oldest first: a live query. */
  async failed(): Promise<FailedCommandView[]> {
    const rows = await this.options.db.processes.where('state').equals('compensated').toArray();
    return rows
      .sort((a, b) => a.created - b.created)
      .map((row) => ({
        id: row.id,
        ...(this.definitions.get(row.kind)?.describe?.(row.data) ?? {
          what: `A ${row.kind} command`,
        }),
        error: {
          code: row.error?.code ?? 'internal',
          message: row.error?.message ?? 'refused by the relay',
        },
        created: row.created,
      }));
  }

  /** Calls `listener` after each committed change of a process. */
  subscribe(listener: (change: ProcessChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.stopListening();
  }

  /** Runs `scope` in one store transaction, then tells everyone what it did. */
  private async transact<T>(scope: (effects: Effects) => Promise<T>): Promise<T> {
    const effects: Effects = { appended: [], left: [], changed: new Map() };
    const result = await this.options.store.atomically(async () => scope(effects));
    if (effects.appended.length) this.options.bus.emit('eager', effects.appended);
    for (const room of effects.left) this.unfollow(room);
    for (const change of effects.changed.values()) {
      for (const listener of this.listeners) listener(change);
    }
    return result;
  }

  private async reconcileEvents(ids: readonly EventId[], effects: Effects): Promise<void> {
    if (ids.length === 0) return;
    // A read per id, issued together: `anyOf` walks a cursor, a round trip per step.
    const found = await Promise.all(
      ids.map((id) => this.options.db.processes.where('events').equals(id).toArray()),
    );
    const processes = new Map(found.flat().map((process) => [process.id, process]));
    for (const process of processes.values()) await this.reconcile(process, effects);
  }

  /** Brings a process in line with what the log says of its current step's events. */
  private async reconcile(process: ProcessRow, effects: Effects): Promise<void> {
    const definition = this.definitions.get(process.kind);
    const step = process.steps[process.step];
    // A kind this code does not know (a newer version's) is left as it is.
    if (!definition || !step || process.state === 'compensated') return;
    const held = await rowsWhere(this.options.db.events, 'id', step.events, (e) => e.id);
    const byId = new Map(held.map((e) => [e.id, e]));
    // An event dropped since (a draft deleted, a refused one discarded) is no longer waited for.
    step.events = step.events.filter((id) => byId.has(id));
    if (step.events.length === 0) {
      await this.end(process, effects);
      return;
    }
    const refused = held.find((e) => e.rejected);
    if (refused) {
      if (process.state !== 'refused')
        await this.compensate(definition, process, step, refused, effects);
      return;
    }
    if (process.state === 'refused') {
      process.state = 'running';
      step.state = 'pending';
      delete process.error;
    }
    if (held.every((e) => e.seq !== undefined)) {
      step.state = 'done';
      process.step += 1;
      await this.advance(process, effects);
      return;
    }
    await this.save(process, effects);
  }

  /**
   * Starts the steps from the current one on, until one has events to wait for. `first`
   * are the current step's events if made (and signed) before the transaction.
   */
  private async advance(
    process: ProcessRow,
    effects: Effects,
    first?: readonly KafkyEvent[],
  ): Promise<void> {
    const definition = this.definitions.get(process.kind)!;
    for (let made = first; process.step < process.steps.length; process.step += 1) {
      const step = process.steps[process.step]!;
      if (step.state === 'waiting') {
        const events =
          made ?? definition.steps[process.step]!.events(process.data).map((d) => this.event(d));
        made = undefined;
        step.events = events.map((e) => e.id);
        process.events.push(...step.events);
        step.state = events.length ? 'pending' : 'done';
        // The step waits on them: its row is saved with the append, not one request after.
        const waits = step.state !== 'done';
        const [stored] = await Promise.all([
          this.options.store.appendLocalAll(events),
          waits && this.save(process, effects),
        ]);
        effects.appended.push(...stored);
        if (waits) return;
      }
      if (step.state !== 'done') {
        await this.save(process, effects);
        return;
      }
    }
    await this.end(process, effects);
  }

  private async compensate(
    definition: ProcessDefinition,
    process: ProcessRow,
    step: StepRow,
    refused: StoredEvent,
    effects: Effects,
  ): Promise<void> {
    const { code, message } = refused.rejected!;
    step.state = 'refused';
    process.error = { code, message, step: step.name };
    process.state = definition.onRefused === 'wait' ? 'refused' : 'compensated';
    if (process.state === 'compensated') {
      for (const earlier of process.steps.slice(0, process.step)) earlier.state = 'compensated';
    }
    const dropped: EventId[] = [];
    const { db, store } = this.options;
    await definition.compensate?.({
      process,
      data: process.data,
      step,
      refused: { id: refused.id, code, message },
      db,
      store,
      leaveLocally: async (room) => {
        await db.rooms.update(room, { left: true });
        effects.left.push(room);
      },
      dropDraft: async (id) => {
        const done = await store.reviseDraft(id, null);
        if (done) dropped.push(id);
        return done;
      },
    });
    if (definition.onRefused === 'end') await this.end(process, effects);
    else await this.save(process, effects);
    // The processes of what the compensation dropped end with it.
    await this.reconcileEvents(dropped, effects);
  }

  private async save(process: ProcessRow, effects: Effects): Promise<void> {
    process.updated = this.now();
    await this.options.db.processes.put(process);
    effects.changed.set(process.id, { process: structuredClone(process), ended: false });
  }

  private async end(process: ProcessRow, effects: Effects): Promise<void> {
    await this.options.db.processes.delete(process.id);
    effects.changed.set(process.id, { process: structuredClone(process), ended: true });
  }

  /** A draft as an event of this browser's author, written now. */
  private event(draft: EventDraft): KafkyEvent {
    const ts = this.now();
    return { ...draft, id: newEventId(ts), author: this.options.author, ts };
  }
}
