import { Dexie, type Transaction } from 'dexie';
import {
  EVENT_REGISTRY,
  type Ack,
  type AnyEvent,
  type AuthorId,
  type ErrorCode,
  type EventId,
  type KafkyEvent,
  type RoomId,
  type SequencedEvent,
} from '../../shared/index.ts';
import {
  WRITE_TABLES,
  roomsWithCursors,
  type DeadLetterRow,
  type KafkyDb,
  type RoomState,
  type StoredEvent,
} from './db.ts';
import { rowsWhere } from './lookup.ts';
import { advanceCursor, base64url, storageError } from './storage.ts';
import { ProjectionRunner } from './projection-runner.ts';
import { stripStorage, type Projector, type Registry } from './projectors/projector.ts';
import { ReadModelBuilder } from './read-model-builder.ts';

/** An event from the relay whose signature does not hold, and why. */
export interface RefusedEvent {
  event: SequencedEvent;
  reason: string;
}

/**
 * Own events an append hands straight to the socket: claimed (marked pushed) in the
 * append's own transaction, and sent as soon as it commits, with no IndexedDB between.
 */
export interface HandOver {
  ids: ReadonlySet<EventId>;
  /** Called once, when the append's outermost transaction has committed or failed. */
  settle: (committed: boolean) => void;
}

/** What a write changed, for the bus to announce once the transaction has committed. */
export interface Applied {
  /** Events this browser did not hold before. */
  added: StoredEvent[];
  /** Own events the relay has now sequenced. */
  confirmed: StoredEvent[];
}

/**
 * This browser's log and read models. Every write appends or updates events and runs
 * the projectors in one IndexedDB transaction, so the read models never disagree with
 * the log, even when the tab or the browser dies mid-write.
 */
export class EventStore {
  /** Runs the projectors inside each write; sets aside what fails, notes what is unknown. */
  readonly projection: ProjectionRunner;
  /** Builds read models from the log when they are behind it (at start, on request). */
  readonly readModels: ReadModelBuilder;

  /** Which event types and versions this code knows: projectors see only those, upcast. */
  readonly registry: Registry;

  /**
   * Asked inside each append of own events (Dexie calls only) which of them go to the
   * socket the moment the transaction commits; set by the core to its sync engine.
   */
  handOver: ((events: readonly KafkyEvent[]) => Promise<HandOver | null>) | undefined;

  /** Signs a rewritten draft before its rewrite (outside the transaction); set by the core. */
  sign: (<E extends AnyEvent>(event: E) => Promise<E>) | undefined;

  /**
   * `registry` defaults to this code's own (a test passes an older one); `buildChunk` is
   * how many events a read-model build projects per transaction.
   */
  constructor(
    private readonly db: KafkyDb,
    projectors: readonly Projector[],
    options: { registry?: Registry; buildChunk?: number } = {},
  ) {
    this.registry = options.registry ?? EVENT_REGISTRY;
    this.projection = new ProjectionRunner(db, projectors, this.registry);
    this.readModels = new ReadModelBuilder(
      db,
      this.projection,
      (scope) => this.write(scope),
      options.buildChunk,
    );
  }

  /** Appends an event written here; it stays in the outbox until the relay acknowledges it. */
  async appendLocal(event: KafkyEvent): Promise<StoredEvent> {
    const [stored] = await this.appendLocalAll([event]);
    return stored!;
  }

  /**
   * Appends events written here, in order, all or none, with `alongside` (say, joining
   * the room they open) in the same transaction.
   */
  async appendLocalAll(
    events: readonly KafkyEvent[],
    alongside?: (db: KafkyDb) => Promise<void>,
  ): Promise<StoredEvent[]> {
    this.checkWritable(events);
    return this.write(async () => {
      // Requests issued together rather than each after the last one's answer: an append
      // is the sender's share of a message's latency, and each round trip costs a few ms.
      const claim = async () => {
        const handed = await this.handOver?.(events);
        // Registered as soon as claimed: if the append then fails, the claim is let go.
        if (handed) afterCommit(handed.settle);
        return handed;
      };
      const [, handed, positions] = await Promise.all([
        alongside?.(this.db),
        claim(),
        this.db.events.bulkAdd(
          events.map((event) => ({ ...event })),
          { allKeys: true },
        ),
      ]);
      const stored = events.map((event, i): StoredEvent => ({ ...event, pos: positions[i]! }));
      await Promise.all([
        this.db.outbox.bulkAdd(
          stored.map(({ id, room, pos, type }) => ({
            id,
            room,
            pos,
            type,
            ...(handed?.ids.has(id) ? { pushed: true } : {}),
          })),
        ),
        this.projection.project(stored, true, true),
      ]);
      return stored;
    });
  }

  /**
   * Takes outbox events for a push: marks them handed over and returns them as they are
   * now, in one transaction, so a draft rewritten a moment ago goes out rewritten and a
   * dropped one does not go out at all.
   */
  async claimForPush(ids: readonly EventId[]): Promise<StoredEvent[]> {
    return this.write(async () => {
      const claimed: StoredEvent[] = [];
      for (const entry of await this.db.outbox.bulkGet([...ids])) {
        if (!entry) continue;
        const event = await this.db.events.get(entry.pos);
        if (!event) continue;
        if (!entry.pushed) await this.db.outbox.update(entry.id, { pushed: true });
        claimed.push(event);
      }
      return claimed;
    });
  }

  /**
   * Keeps the signatures own events left with, so this log holds them as the relay's does
   * (they are made as the events leave, outside any transaction: see push-frames.ts).
   */
  async recordSignatures(signed: readonly { pos: number; sig: string }[]): Promise<void> {
    await this.write(async () => {
      for (const { pos, sig } of signed) await this.db.events.update(pos, { sig });
    });
  }

  /**
   * Rewrites (with `payload`) or drops (with null) an own event that has never left this
   * browser. Answers false, changing nothing, once it has been handed to a socket: then
   * it may be at the relay, and only a new event can change it.
   */
  async reviseDraft(id: EventId, payload: KafkyEvent['payload'] | null): Promise<boolean> {
    // Signed before the transaction (Web Crypto is asynchronous), from the draft as it is now.
    const signed = payload === null ? undefined : await this.signRevision(id, payload);
    return this.write(async () => {
      const entry = await this.db.outbox.get(id);
      if (!entry || entry.pushed) return false;
      const event = await this.db.events.get(entry.pos);
      if (!event) return false;
      if (payload === null) {
        await this.db.events.delete(entry.pos);
        await this.db.outbox.delete(id);
        await this.unproject(event);
        return true;
      }
      const { sig: _old, ...unsigned } = { ...event, v: this.revisedVersion(event), payload };
      // The old signature no longer holds; without a new one it is signed as it leaves.
      const revised = (
        signed?.payload === payload && signed.v === unsigned.v && signed.ts === unsigned.ts
          ? { ...unsigned, sig: signed.sig }
          : unsigned
      ) as StoredEvent;
      this.checkWritable([stripStorage(revised)]);
      await this.db.events.put(revised);
      await this.project(revised);
      return true;
    });
  }

  /** A draft rewritten as the version this code writes, should it be older. */
  private revisedVersion(event: StoredEvent): number {
    return this.registry.currentVersion(event.type) ?? event.v;
  }

  /** The draft `id` rewritten with `payload`, signed; undefined if it is no draft or no signer. */
  private async signRevision(
    id: EventId,
    payload: KafkyEvent['payload'],
  ): Promise<StoredEvent | undefined> {
    const entry = await this.db.outbox.get(id);
    const event = entry && !entry.pushed ? await this.db.events.get(entry.pos) : undefined;
    if (!event || !this.sign) return undefined;
    const { sig: _old, ...unsigned } = { ...event, v: this.revisedVersion(event), payload };
    return this.sign(unsigned);
  }

  /** Sends a refused own event again: back in the outbox, shown pending. */
  async retryRejected(id: EventId): Promise<boolean> {
    return this.write(async () => {
      const event = await this.db.events.where('id').equals(id).first();
      if (!event?.rejected) return false;
      const { rejected: _rejected, ...retried } = event;
      await this.db.events.put(retried);
      await this.db.outbox.put({ id, room: event.room, pos: event.pos, type: event.type });
      await this.project(retried);
      return true;
    });
  }

  /** Drops a refused own event: the relay never took it, so no one else holds it. */
  async discardRejected(id: EventId): Promise<boolean> {
    return this.write(async () => {
      const event = await this.db.events.where('id').equals(id).first();
      if (!event?.rejected) return false;
      await this.db.events.delete(event.pos);
      await this.unproject(event);
      return true;
    });
  }

  /**
   * Drops own events the relay has not sequenced (a draft, a refused event, one pushed
   * and not acknowledged), with their outbox entries: for a discard and what depends on
   * it. An event acknowledged since stays: it is in the relay's log.
   */
  async dropUnsequenced(ids: readonly EventId[]): Promise<StoredEvent[]> {
    return this.write(async () => {
      const dropped: StoredEvent[] = [];
      for (const event of await this.db.events
        .where('id')
        .anyOf([...ids])
        .toArray()) {
        if (event.seq !== undefined) continue;
        await this.db.events.delete(event.pos);
        await this.db.outbox.delete(event.id);
        await this.unproject(event);
        dropped.push(event);
      }
      return dropped;
    });
  }

  /**
   * Appends events that never leave this browser (the compensations of refused
   * commands): logged and projected like any other, never in the outbox.
   */
  async appendLocalOnly(events: readonly KafkyEvent[]): Promise<StoredEvent[]> {
    this.checkWritable(events);
    return this.write(async () => {
      const stored: StoredEvent[] = [];
      for (const event of events) {
        const appended: StoredEvent = { ...event, pos: await this.db.events.add({ ...event }) };
        await this.project(appended, true);
        stored.push(appended);
      }
      return stored;
    });
  }

  /**
   * Runs `scope` as one write transaction over the log, the outbox, the read models and
   * the processes: the store's own writes inside it join it, so a saga's step and the
   * events it writes commit together or not at all. Only Dexie calls inside.
   */
  async atomically<T>(scope: () => Promise<T>): Promise<T> {
    return this.write(scope);
  }

  /**
   * Takes sequenced events of one room from the relay, in sequence order. `refused` are
   * events of the same page whose signature did not hold: set aside (see refusedEvents),
   * never stored in the log nor projected, but the room's cursor moves past them so they
   * are not asked for again and again.
   */
  async applyRemote(
    room: RoomId,
    events: readonly SequencedEvent[],
    refused: readonly RefusedEvent[] = [],
  ): Promise<Applied> {
    return this.write(async () => {
      if (refused.length) await this.setAside(refused, Date.now());
      const applied: Applied = { added: [], confirmed: [] };
      const inRoom = events.filter((event) => event.room === room);
      // A catch-up page is hundreds of events: look them up, store and project them in
      // bulk, so a long history costs a few requests per page rather than per event.
      const known = await this.heldById(inRoom.map((event) => event.id));
      const fresh: SequencedEvent[] = [];
      for (const event of inRoom) {
        const existing = known.get(event.id);
        if (!existing) {
          fresh.push(event);
          known.set(event.id, { ...event, pos: -1 });
        } else if (existing.seq === undefined && existing.pos !== -1) {
          // Our own event, stored by the relay but whose ack we never got.
          applied.confirmed.push(await this.confirm(existing, event.seq, event.rts));
        }
      }
      const positions = await this.db.events.bulkAdd(
        fresh.map((event) => ({ ...event })),
        { allKeys: true },
      );
      applied.added = fresh.map((event, i) => ({ ...event, pos: positions[i]! }));
      await this.projection.project(applied.added, true);
      await advanceCursor(this.db, room, [
        ...inRoom.map((event) => event.seq),
        ...refused.filter((r) => r.event.room === room).map((r) => r.event.seq),
      ]);
      return applied;
    });
  }

  /** Marks own events as durable at the relay with the place it gave them. */
  async applyAcks(acks: Ack['acks']): Promise<StoredEvent[]> {
    // Few requests, issued together where they can be: the next append waits behind this.
    return this.write(async () => {
      const byId = await this.heldById(acks.map((ack) => ack.id));
      const confirmed: StoredEvent[] = [];
      const rooms = new Map<RoomId, number[]>();
      for (const ack of acks) {
        const existing = byId.get(ack.id);
        if (!existing || existing.seq !== undefined) continue;
        const stored = { ...existing, seq: ack.seq, rts: ack.rts };
        byId.set(ack.id, stored);
        confirmed.push(stored);
        rooms.set(ack.room, [...(rooms.get(ack.room) ?? []), ack.seq]);
      }
      if (confirmed.length === 0) return confirmed;
      // Stored first: the projectors and the cursor read the log as it is after it.
      await this.db.events.bulkPut(confirmed);
      await Promise.all([
        this.db.outbox.bulkDelete(confirmed.map((event) => event.id)),
        this.projection.project(confirmed),
        ...[...rooms].map(([room, seqs]) => advanceCursor(this.db, room, seqs)),
      ]);
      return confirmed;
    });
  }

  /** The relay refused an own event: keep it in the log, stop sending it, show it failed. */
  async markRejected(id: EventId, code: ErrorCode, message: string): Promise<StoredEvent | null> {
    return this.write(async () => {
      const existing = await this.db.events.where('id').equals(id).first();
      if (!existing || existing.seq !== undefined) return null;
      const rejected = { code, message };
      await this.db.events.update(existing.pos, { rejected });
      await this.db.outbox.delete(id);
      const stored = { ...existing, rejected };
      await this.project(stored);
      return stored;
    });
  }

  /** A room's own events waiting for the relay, oldest first: the room's outbox queue. */
  async outbox(room: RoomId, limit: number): Promise<StoredEvent[]> {
    const entries = await this.db.outbox
      .where('[room+pos]')
      .between([room, Dexie.minKey], [room, Dexie.maxKey])
      .limit(limit)
      .toArray();
    const events = await this.db.events.bulkGet(entries.map((entry) => entry.pos));
    return events.filter((event): event is StoredEvent => event !== undefined);
  }

  /** The ids in a room's outbox queue. */
  async outboxIds(room: RoomId): Promise<EventId[]> {
    return this.db.outbox
      .where('[room+pos]')
      .between([room, Dexie.minKey], [room, Dexie.maxKey])
      .primaryKeys();
  }

  /** Rooms with events waiting for the relay. */
  async outboxRooms(): Promise<RoomId[]> {
    return (await this.db.outbox.orderBy('room').uniqueKeys()) as RoomId[];
  }

  async pendingCount(): Promise<number> {
    return this.db.outbox.count();
  }

  /** Every room this browser syncs, with its cursor. */
  rooms(): Promise<RoomState[]> {
    return roomsWithCursors(this.db);
  }

  /** How far a room's confirmed log is complete here (0 for a room never synced). */
  async cursor(room: RoomId): Promise<number> {
    return (await this.db.cursors.get(room))?.cursor ?? 0;
  }

  /** Joins a room: from now on this browser syncs it. */
  async join(room: RoomId): Promise<void> {
    await this.db.transaction('rw', this.db.rooms, async () => {
      if (!(await this.db.rooms.get(room))) await this.db.rooms.add({ room });
    });
  }

  /** This browser's author id, made on first use. */
  async author(): Promise<AuthorId> {
    return this.db.transaction('rw', this.db.meta, async () => {
      const row = await this.db.meta.get('author');
      if (typeof row?.value === 'string') return row.value as AuthorId;
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      const author = base64url(bytes) as AuthorId;
      await this.db.meta.put({ key: 'author', value: author });
      return author;
    });
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.meta.get(key))?.value as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.meta.put({ key, value });
  }

  /**
   * Takes note of the relay's epoch. A different one than before means the relay's log
   * was replaced, so the places it gave are void: every event loses its sequence, this
   * browser's own events go back to the outbox (in their local order) to be pushed
   * again, every room catches up from the start, and the read models are rebuilt. All
   * in one transaction, so the screen changes once. No event is dropped: events of
   * others that the new log lacks stay in the local log, unsequenced.
   */
  async adoptEpoch(epoch: string): Promise<{ changed: boolean; requeued: number }> {
    return this.write(async () => {
      const known = (await this.db.meta.get('epoch'))?.value;
      if (known === epoch) return { changed: false, requeued: 0 };
      await this.db.meta.put({ key: 'epoch', value: epoch });
      if (known === undefined) return { changed: false, requeued: 0 };

      const author = (await this.db.meta.get('author'))?.value;
      const sequenced = await this.db.events.filter((e) => e.seq !== undefined).toArray();
      const unsequenced = sequenced.map(({ seq: _seq, rts: _rts, ...event }) => event);
      await this.db.events.bulkPut(unsequenced);
      const own = unsequenced.filter((e) => e.author === author && !e.rejected);
      // Pushed before, so never a draft: an edit or a delete must follow as new events.
      await this.db.outbox.bulkPut(
        own.map(({ id, room, pos, type }) => ({ id, room, pos, type, pushed: true })),
      );
      await this.db.cursors.clear();
      await this.readModels.rebuildInTransaction();
      return { changed: true, requeued: own.length };
    });
  }

  /**
   * Clears every read model and builds them again from the log, a chunk per transaction
   * (see ReadModelBuilder): "Rebuild read models" in the inspector.
   */
  async rebuild(): Promise<void> {
    await this.readModels.rebuildAll();
  }

  /** Projects a dead letter's event again; answers whether it went through (or is gone). */
  async retryDeadLetter(letter: Pick<DeadLetterRow, 'projector' | 'pos'>): Promise<boolean> {
    return this.write(async () => this.projection.retry(letter));
  }

  /** Retries every dead letter, each in its own transaction. */
  async retryDeadLetters(): Promise<{ retried: number; failed: number }> {
    const letters = await this.db.deadLetters.toArray();
    let failed = 0;
    for (const letter of letters) if (!(await this.retryDeadLetter(letter))) failed += 1;
    return { retried: letters.length - failed, failed };
  }

  private async setAside(refused: readonly RefusedEvent[], received: number): Promise<void> {
    await this.db.refusedEvents.bulkPut(
      refused.map(({ event, reason }) => ({
        id: String(event.id),
        room: event.room,
        seq: event.seq,
        author: String(event.author),
        type: event.type,
        reason,
        received,
        event,
      })),
    );
  }

  private async confirm(event: StoredEvent, seq: number, rts: number): Promise<StoredEvent> {
    await this.db.events.update(event.pos, { seq, rts });
    await this.db.outbox.delete(event.id);
    const stored = { ...event, seq, rts };
    await this.project(stored);
    return stored;
  }

  /** The events of the log with these ids, by id, read in one go. */
  private async heldById(ids: readonly EventId[]): Promise<Map<EventId, StoredEvent>> {
    const held = await rowsWhere(this.db.events, 'id', ids, (event) => event.id);
    return new Map(held.map((event) => [event.id, event]));
  }

  /** Takes a dropped event out of the read models, by recomputing them without it. */
  private async unproject(event: StoredEvent): Promise<void> {
    await this.projection.unproject([event]);
  }

  /** Runs the projectors on an event just stored (`appended`) or changed. */
  private async project(event: StoredEvent, appended = false): Promise<void> {
    await this.projection.project([event], appended);
  }

  /** Writers write only known types, valid, at their current versions. */
  private checkWritable(events: readonly AnyEvent[]): void {
    for (const event of events) {
      const checked = this.registry.checkWritable(event);
      if (!checked.ok) throw checked.error;
    }
  }

  private async write<T>(scope: () => Promise<T>): Promise<T> {
    try {
      // Inside a write that already holds every table (a saga's step), join it rather
      // than open a nested one: Dexie queues the outer transaction's requests until a
      // nested one ends, so a step's own row would go one round trip after the append.
      if (holdsWriteTables(this.db, Dexie.currentTransaction)) return await scope();
      return await this.db.transaction('rw', [...WRITE_TABLES], scope);
    } catch (error) {
      throw storageError(error);
    }
  }
}

/** Whether `transaction` is a write of `db`'s over every table an append writes to. */
function holdsWriteTables(db: KafkyDb, transaction: Transaction | null | undefined): boolean {
  return (
    transaction?.db === db &&
    // As Dexie nests: into a transaction still going, never one that has ended.
    transaction.active &&
    transaction.mode === 'readwrite' &&
    WRITE_TABLES.every((table) => transaction.storeNames.includes(table))
  );
}

/**
 * Calls `settle` once the outermost transaction around this call has committed (true) or
 * failed (false): a write inside a saga's transaction commits only with it.
 */
function afterCommit(settle: (committed: boolean) => void): void {
  let transaction = Dexie.currentTransaction;
  while (transaction?.parent) transaction = transaction.parent;
  if (!transaction) {
    settle(false);
    return;
  }
  let settled = false;
  const once = (committed: boolean) => {
    if (settled) return;
    settled = true;
    settle(committed);
  };
  transaction.on('complete', () => once(true));
  transaction.on('abort', () => once(false));
  transaction.on('error', () => once(false));
}
