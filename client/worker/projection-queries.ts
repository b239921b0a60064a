import type {
  DeadLettersView,
  ProjectionView,
  RebuildProgressView,
  RefusedEventsView,
  UnknownEventsView,
} from '../api.ts';
import type { KafkyDb, ProjectionRow } from './db.ts';
import { LIVE, positionOf } from './projection-runner.ts';
import { PROJECTORS } from './projectors/index.ts';

/**
 * The read side of projection itself, for the inspector and the rebuild progress:
 * plain reads, safe inside Dexie's liveQuery.
 */
export class ProjectionQueries {
  constructor(
    private readonly db: KafkyDb,
    /** The projectors whose builds to follow, by name, in the order they are listed. */
    private readonly names: readonly string[] = PROJECTORS.map((p) => p.name).sort(),
  ) {}

  async projections(): Promise<ProjectionView[]> {
    const rows = await this.db.projections.toArray();
    const live = rows.find((row) => row.name === LIVE);
    return rows
      .filter((row) => row !== live)
      .map((row) => ({
        name: row.name,
        version: row.version,
        position: positionOf(row, live),
        rebuilding: row.rebuild ? { progress: progress(row) } : null,
      }));
  }

  /**
   * Reads each projector's row by its name, never the live position's: that row moves
   * with every write, and a live query that read it would run again after each one.
   */
  async rebuildProgress(): Promise<RebuildProgressView> {
    const rows = (await this.db.projections.bulkGet([...this.names])).flatMap((row) =>
      row ? [row] : [],
    );
    return {
      building: rows
        .filter((row) => row.rebuild)
        .map((row) => ({ name: row.name, progress: progress(row) })),
    };
  }

  async deadLetters(limit: number): Promise<DeadLettersView> {
    const [total, letters] = await Promise.all([
      this.db.deadLetters.count(),
      this.db.deadLetters.orderBy('pos').limit(limit).toArray(),
    ]);
    return { total, letters };
  }

  async refusedEvents(limit: number): Promise<RefusedEventsView> {
    const [total, rows] = await Promise.all([
      this.db.refusedEvents.count(),
      this.db.refusedEvents.orderBy('received').limit(limit).toArray(),
    ]);
    return { total, events: rows.map(({ event: _event, ...view }) => view) };
  }

  async unknownEvents(limit: number): Promise<UnknownEventsView> {
    const [total, events] = await Promise.all([
      this.db.unknownEvents.count(),
      this.db.unknownEvents.limit(limit).toArray(),
    ]);
    return { total, events };
  }
}

/** How far a build is, from 0 to 1, in whole percents so a view changes at most 100 times. */
function progress(row: ProjectionRow): number {
  const target = row.rebuild?.target ?? 0;
  if (target <= 0) return 0;
  return Math.floor(Math.min(row.position / target, 1) * 100) / 100;
}
