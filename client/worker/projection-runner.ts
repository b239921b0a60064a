import type { DeadLetterRow, KafkyDb, ProjectionRow, StoredEvent, UnknownEventRow } from './db.ts';
import {
  readStored,
  type ProjectedEvent,
  type ProjectionContext,
  type Projector,
  type Registry,
} from './projectors/projector.ts';

/** The dead letters of events that fail their own schema, whichever projector would read them. */
export const SCHEMA_CHECK = 'schema';

/**
 * The row of the live position: every projector not being rebuilt reflects the log up
 * to here. One row for all of them, so a write moves it without reading anything.
 */
export const LIVE = '*';

export function liveRow(position: number): ProjectionRow {
  return { name: LIVE, version: 0, position };
}

/** How far a projector's read models reflect the log: its own row, or the live one. */
export function positionOf(row: ProjectionRow, live: ProjectionRow | undefined): number {
  return row.rebuild ? row.position : Math.max(row.position, live?.position ?? 0);
}

/**
 * Errors that mean the transaction itself is lost (or about to be): no event is to
 * blame, so they fail the whole write instead of setting an event aside.
 */
const STORAGE_FAILURES = new Set([
  'AbortError',
  'QuotaExceededError',
  'DatabaseClosedError',
  'TransactionInactiveError',
  'PrematureCommitError',
  'InvalidStateError',
  'UnknownError',
  'VersionError',
]);

export function isStorageFailure(error: unknown): boolean {
  const named = error as { name?: string; inner?: { name?: string } } | null;
  return STORAGE_FAILURES.has(named?.name ?? '') || STORAGE_FAILURES.has(named?.inner?.name ?? '');
}

/**
 * Runs the projectors inside the transaction of a write: reads each event through the
 * registry (so projectors see only current versions), keeps events of unknown types
 * aside for a later version of the code, sets aside an event that makes a projector
 * throw (a dead letter) and goes on with the next, and moves each projector's position
 * up to the newest event it has seen, in the same transaction as its read models.
 */
export class ProjectionRunner {
  readonly ctx: ProjectionContext;

  constructor(
    private readonly db: KafkyDb,
    readonly projectors: readonly Projector[],
    readonly registry: Registry,
    private readonly now: () => number = Date.now,
  ) {
    this.ctx = { db, registry };
  }

  /**
   * Projects events just stored or changed, through every projector. When they were
   * just appended (`appended`), the log's newest position is theirs: the live position
   * moves up to it, in the same transaction, with one write and no read.
   */
  async project(events: readonly StoredEvent[], appended = false, fresh = false): Promise<void> {
    if (events.length === 0) return;
    // Issued together: the live row does not depend on what the projectors write.
    const position = Math.max(...events.map((event) => event.pos));
    const ctx = fresh ? { ...this.ctx, fresh } : this.ctx;
    await Promise.all([
      this.projectInto(this.projectors, events, ctx),
      appended && this.db.projections.put(liveRow(position)),
    ]);
  }

  /**
   * Projects events through some projectors: each gets the events of its types, read
   * and upcast, in log order. Unknown events are noted, invalid ones set aside.
   */
  async projectInto(
    projectors: readonly Projector[],
    events: readonly StoredEvent[],
    ctx: ProjectionContext = this.ctx,
  ) {
    const known: ProjectedEvent[] = [];
    const unknown: UnknownEventRow[] = [];
    const invalid: DeadLetterRow[] = [];
    for (const event of events) {
      const read = readStored(event, this.registry);
      if (read.kind === 'current') known.push(read.event);
      else if (read.kind === 'unknown') unknown.push(unknownRow(event));
      else invalid.push(this.deadLetter(SCHEMA_CHECK, event, read.error.message));
    }
    if (unknown.length > 0) await this.db.unknownEvents.bulkPut(unknown);
    if (invalid.length > 0) await this.db.deadLetters.bulkPut(invalid);
    for (const projector of projectors) {
      const mine = known.filter((event) => projector.types.includes(event.type));
      if (mine.length > 0) await this.run(projector, mine, ctx);
    }
  }

  /** Takes events dropped from the log out of the read models, and their notes with them. */
  async unproject(events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Projectors recompute what an event touched from the log, which lacks it now.
    await this.projectInto(this.projectors, events, { ...this.ctx, dropped: true });
    const positions = events.map((event) => event.pos);
    await this.db.unknownEvents.bulkDelete(positions);
    await this.db.deadLetters.where('pos').anyOf(positions).delete();
  }

  /**
   * Projects a dead letter's event again through the projector that failed on it;
   * removes the dead letter when that works (or the event has left the log), else
   * records the new error. Answers whether it is gone.
   */
  async retry(letter: Pick<DeadLetterRow, 'projector' | 'pos'>): Promise<boolean> {
    const key: [string, number] = [letter.projector, letter.pos];
    const event = await this.db.events.get(letter.pos);
    const projector = this.projectors.find((p) => p.name === letter.projector);
    if (!event || (!projector && letter.projector !== SCHEMA_CHECK)) {
      await this.db.deadLetters.delete(key);
      return true;
    }
    const read = readStored(event, this.registry);
    if (read.kind !== 'current') {
      const error = read.kind === 'invalid' ? read.error.message : 'unknown type or version';
      await this.db.deadLetters.put(this.deadLetter(letter.projector, event, error));
      return false;
    }
    await this.db.deadLetters.delete(key);
    if (!projector) {
      // It passes its schema now (the code changed): every projector gets it.
      await this.projectInto(this.projectors, [event]);
      return true;
    }
    return this.run(projector, [read.event]);
  }

  /** Runs one projector, setting aside each event it throws on. Answers whether none did. */
  private async run(
    projector: Projector,
    events: readonly ProjectedEvent[],
    ctx: ProjectionContext = this.ctx,
  ): Promise<boolean> {
    try {
      if (projector.applyMany) await projector.applyMany(ctx, events);
      else for (const event of events) await projector.apply(ctx, event);
      return true;
    } catch (error) {
      if (isStorageFailure(error)) throw error;
    }
    // Which one was it? Projectors compute before they write, so a throw left their read
    // models as they were, and each event can go again on its own (reading the log: the
    // others of a fresh batch are no longer at hand).
    let clean = true;
    const single = { ...ctx, fresh: false };
    for (const event of events) {
      try {
        await projector.apply(single, event);
      } catch (error) {
        if (isStorageFailure(error)) throw error;
        clean = false;
        await this.db.deadLetters.put(this.deadLetter(projector.name, event, describe(error)));
      }
    }
    return clean;
  }

  private deadLetter(projector: string, event: StoredEvent, error: string): DeadLetterRow {
    const { pos, id, room, type, v } = event;
    return { projector, pos, id, room, type, v, error, failedAt: this.now() };
  }
}

function unknownRow({ pos, id, room, type, v }: StoredEvent): UnknownEventRow {
  return { pos, id, room, type, v };
}

function describe(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.slice(0, 1000);
}
