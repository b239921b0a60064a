/** How much work each mode does. `smoke` only proves the harness still produces figures. */
export type Mode = 'smoke' | 'quick' | 'full';

export interface Sizes {
  /** Repetitions of each measurement; figures are the median over them. */
  runs: number;
  ingest: { clients: number[]; rooms: number; warmupMs: number; durationMs: number };
  /** `joins`: people who join one room, each their own author (a room filling). */
  fanout: { subscribers: number[]; messages: number; intervalMs: number; joins: number };
  /** Catch-up of the Node client core; the largest size is the headline figure. */
  catchUp: { sizes: number[] };
  /**
   * Messages of each run; the pause after each is on screen in its sender's window: as
   * fast as it goes (`gapMs`), then `paced` more at a lively chat's pace (`paceMs`).
   */
  browser: {
    messages: number;
    gapMs: number;
    paced: number;
    paceMs: number;
    /** Rooms the sender is in besides the lobby, for the pass with many rooms. */
    rooms: number;
  };
  store: { appends: number; rebuild: number };
  /** The Chromium history scenario: room size, and cold opens measured. */
  history: { messages: number; opens: number };
  memory: { idle: number[]; stream: number };
}

export const SIZES: Record<Mode, Sizes> = {
  smoke: {
    runs: 1,
    ingest: { clients: [4], rooms: 2, warmupMs: 100, durationMs: 300 },
    fanout: { subscribers: [10], messages: 5, intervalMs: 20, joins: 20 },
    catchUp: { sizes: [300] },
    browser: { messages: 5, gapMs: 30, paced: 5, paceMs: 100, rooms: 2 },
    store: { appends: 50, rebuild: 300 },
    history: { messages: 200, opens: 1 },
    memory: { idle: [0, 20], stream: 500 },
  },
  quick: {
    runs: 1,
    ingest: { clients: [10, 100], rooms: 10, warmupMs: 300, durationMs: 1500 },
    fanout: { subscribers: [100, 1000], messages: 30, intervalMs: 50, joins: 300 },
    catchUp: { sizes: [2_000, 10_000] },
    browser: { messages: 40, gapMs: 30, paced: 20, paceMs: 250, rooms: 10 },
    store: { appends: 500, rebuild: 10_000 },
    history: { messages: 5_000, opens: 2 },
    memory: { idle: [0, 1_000], stream: 10_000 },
  },
  full: {
    runs: 3,
    ingest: { clients: [10, 100, 1000], rooms: 10, warmupMs: 1000, durationMs: 5000 },
    fanout: { subscribers: [100, 1000], messages: 200, intervalMs: 50, joins: 1000 },
    catchUp: { sizes: [10_000, 30_000, 100_000] },
    browser: { messages: 200, gapMs: 30, paced: 200, paceMs: 250, rooms: 10 },
    store: { appends: 2_000, rebuild: 100_000 },
    history: { messages: 100_000, opens: 5 },
    memory: { idle: [0, 1_000, 5_000], stream: 100_000 },
  },
};

/** What every scenario gets. */
export interface Context {
  sizes: Sizes;
  /** The built site the relay serves to Chromium. */
  site: string;
  /** Where to write CPU profiles, when the run was asked to profile (`--profile`). */
  profile?: string;
  /** Where to write whole-browser traces, when the run was asked to trace (`--trace`). */
  trace?: string;
}
