import { spread, type Spread } from './stats.ts';

/** A target from issue 7, to report a figure against (never to fail a test on). */
export interface Target {
  /** `max`: the figure should stay at or below `value`; `min`: at or above. */
  kind: 'max' | 'min';
  value: number;
  /** As the issue words it, e.g. "p99 < 50 ms at 1,000 subscribers". */
  text: string;
}

export interface FigureSpec {
  /** Stable key, e.g. `ingest.k10.kafky.rate`. */
  id: string;
  /** Which part of the issue it answers, e.g. `1. Durable ingest`. */
  section: string;
  label: string;
  unit: string;
  target?: Target;
  /** What it was measured with, when that is not obvious (e.g. "Node + fake-indexeddb"). */
  note?: string;
}

export interface Figure extends FigureSpec, Spread {
  /** Whether the median meets the target; absent without one. */
  met?: boolean;
}

/** Collects one value per run for each figure, in the order figures first appear. */
export class Recorder {
  private readonly specs = new Map<string, FigureSpec>();
  private readonly values = new Map<string, number[]>();
  /** Free-form measurements worth keeping in the JSON (sizes, bytes, profiles). */
  readonly details: Record<string, unknown> = {};

  add(spec: FigureSpec, value: number): void {
    if (!this.specs.has(spec.id)) this.specs.set(spec.id, spec);
    const runs = this.values.get(spec.id) ?? [];
    runs.push(value);
    this.values.set(spec.id, runs);
  }

  detail(key: string, value: unknown): void {
    this.details[key] = value;
  }

  figures(): Figure[] {
    return [...this.specs.values()].map((spec) => {
      const figure: Figure = { ...spec, ...spread(this.values.get(spec.id) ?? []) };
      if (spec.target && Number.isFinite(figure.median)) {
        figure.met =
          spec.target.kind === 'max'
            ? figure.median <= spec.target.value
            : figure.median >= spec.target.value;
      }
      return figure;
    });
  }
}

/** The targets of issue 7, in one place. */
export const TARGETS = {
  ingestRatio: { kind: 'min', value: 0.8, text: '≥ 0.8× the bare forwarder' },
  fanoutP99: { kind: 'max', value: 50, text: 'p99 < 50 ms at 1,000 subscribers' },
  b2bP50: { kind: 'max', value: 25, text: 'p50 < 25 ms' },
  b2bP99: { kind: 'max', value: 100, text: 'p99 < 100 ms' },
  tabP50: { kind: 'max', value: 10, text: 'p50 < 10 ms' },
  eager: { kind: 'max', value: 16, text: 'within one frame (16 ms)' },
  catchUp100k: { kind: 'max', value: 5, text: '100,000 events < 5 s' },
  rebuild100k: { kind: 'max', value: 3, text: '100,000 events < 3 s' },
  open100k: { kind: 'max', value: 300, text: '< 300 ms' },
  idleConn: { kind: 'max', value: 30, text: '< 30 KB per idle connection' },
} satisfies Record<string, Target>;
