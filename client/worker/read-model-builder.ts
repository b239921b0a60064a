import { Dexie } from 'dexie';
import type { KafkyDb, ProjectionRow, StoredEvent } from './db.ts';
import { LIVE, SCHEMA_CHECK, positionOf, type ProjectionRunner } from './projection-runner.ts';
import type { Projector } from './projectors/projector.ts';

/**
 * Events per transaction when read models are built from the log. Each commit makes every
 * tab's live queries run again over the rewritten rows, so fewer, larger chunks: in
 * Chromium, 100,000 events rebuilt in 27 s with 5,000 against 49 s with 1,000 (same
 * minutes), while a resumed build still redoes at most one chunk.
 */
export const BUILD_CHUNK = 5000;

type Write = <T>(scope: () => Promise<T>) => Promise<T>;

/**
 * Brings read models in line with the log when they are not: at start, after a
 * projector's version changed (its read models alone are cleared and built again), when
 * events once unknown are known now, and on request ("Rebuild read models"). A build goes
 * a chunk of the log per transaction and records each projector's position with its read
 * models, so a crash resumes where it stopped and the progress can be shown. Live writes
 * go on meanwhile: projectors recompute what an event touches from the whole log, so an
 * event projected twice, or out of order, leaves the same rows.
 */
export class ReadModelBuilder {
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: KafkyDb,
    private readonly runner: ProjectionRunner,
    private readonly write: Write,
    private readonly chunk = BUILD_CHUNK,
  ) {}

  /**
   * At start, in one short transaction whose cost does not grow with the log: a
   * projector that never ran here or whose version changed has its read models cleared
   * and marked for a build from the start of the log; one behind the log's head (which
   * writes never leave it) is marked to catch up from its position. Answers the
   * projectors marked.
   */
  async prepare(): Promise<string[]> {
    return this.write(async () => {
      const rows = new Map((await this.db.projections.toArray()).map((row) => [row.name, row]));
      const live = rows.get(LIVE);
      rows.delete(LIVE);
      const head = await this.head();
      const marked: string[] = [];
      for (const projector of this.runner.projectors) {
        const row = rows.get(projector.name);
        rows.delete(projector.name);
        if (!row || row.version !== projector.version) {
          await this.reset(projector, head);
        } else if (!row.rebuild && positionOf(row, live) < head) {
          const position = positionOf(row, live);
          await this.db.projections.put({ ...row, position, rebuild: { target: head } });
        } else if (!row.rebuild) {
          continue;
        }
        marked.push(projector.name);
      }
      // Projectors this version of the code no longer has.
      await this.db.projections.bulkDelete([...rows.keys()]);
      return marked;
    });
  }

  /**
   * Projects events that were of unknown types or versions and that this code knows now
   * (after an upgrade), through every projector. Answers how many.
   */
  async projectNowKnown(): Promise<number> {
    const rows = await this.db.unknownEvents.toArray();
    const known = rows.filter((row) => this.runner.registry.knows(row));
    for (let i = 0; i < known.length; i += this.chunk) {
      const positions = known.slice(i, i + this.chunk).map((row) => row.pos);
      await this.write(async () => {
        const events = await this.db.events.bulkGet(positions);
        await this.runner.projectInto(
          this.runner.projectors,
          events.filter((event): event is StoredEvent => event !== undefined),
        );
        await this.db.unknownEvents.bulkDelete(positions);
      });
    }
    return known.length;
  }

  /**
   * Builds what is marked, a chunk per transaction, until every projector has caught up
   * with the log. Concurrent callers share one run.
   */
  build(): Promise<void> {
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Clears every read model and builds them all again from the log, in chunks. */
  async rebuildAll(): Promise<void> {
    await this.write(async () => this.resetAll());
    // A run that was finishing as the reset came may have ended before seeing it.
    do await this.build();
    while (await this.pending());
  }

  /**
   * The same, all inside the caller's transaction (when the relay's log was replaced,
   * so the screen changes once): it takes as long as the log is long.
   */
  async rebuildInTransaction(): Promise<void> {
    await this.resetAll();
    while (await this.step());
  }

  private async loop(): Promise<void> {
    while (await this.write(async () => this.step()));
  }

  private async pending(): Promise<boolean> {
    return (await this.db.projections.toArray()).some((row) => row.rebuild);
  }

  /**
   * One chunk: the next events after the lowest position among the projectors being
   * built, through those that have not seen them. Answers whether there is more.
   */
  private async step(): Promise<boolean> {
    const building = (await this.db.projections.toArray()).filter((row) => row.rebuild);
    if (building.length === 0) return false;
    const from = Math.min(...building.map((row) => row.position));
    const events = await this.db.events.where('pos').above(from).limit(this.chunk).toArray();
    const byPosition = new Map<number, Projector[]>();
    for (const row of building) {
      const projector = this.runner.projectors.find((p) => p.name === row.name);
      if (projector)
        byPosition.set(row.position, [...(byPosition.get(row.position) ?? []), projector]);
    }
    for (const [position, projectors] of byPosition) {
      await this.runner.projectInto(
        projectors,
        events.filter((event) => event.pos > position),
      );
    }
    const last = events.at(-1)?.pos ?? 0;
    const done = events.length < this.chunk;
    await this.db.projections.bulkPut(
      building.map((row): ProjectionRow => {
        const position = Math.max(row.position, last);
        return done ? { name: row.name, version: row.version, position } : { ...row, position };
      }),
    );
    return !done;
  }

  private async resetAll(): Promise<void> {
    const head = await this.head();
    for (const projector of this.runner.projectors) await this.reset(projector, head);
    // Every event goes through again: what is still unknown or invalid is found again.
    await this.db.unknownEvents.clear();
    await this.lettersOf(SCHEMA_CHECK).delete();
  }

  /** Clears a projector's read models and dead letters; its build starts at the log's start. */
  private async reset(projector: Projector, head: number): Promise<void> {
    for (const table of projector.tables) await this.db.table(table).clear();
    await this.lettersOf(projector.name).delete();
    await this.db.projections.put({
      name: projector.name,
      version: projector.version,
      position: 0,
      rebuild: { target: head },
    });
  }

  private lettersOf(projector: string) {
    return this.db.deadLetters
      .where('[projector+pos]')
      .between([projector, Dexie.minKey], [projector, Dexie.maxKey]);
  }

  /** The newest position in the log: one key read, whatever its length. */
  private async head(): Promise<number> {
    return ((await this.db.events.toCollection().lastKey()) as number | undefined) ?? 0;
  }
}
