import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import type { Mode } from './config.ts';
import type { Figure } from './lib/figures.ts';
import type { Machine } from './lib/machine.ts';
import { fmt } from './lib/stats.ts';

export interface Results {
  mode: Mode;
  date: string;
  machine: Machine;
  load: { start: [number, number, number]; end: [number, number, number]; quiet: boolean };
  runs: number;
  seconds: number;
  figures: Figure[];
  errors: Record<string, string>;
  details: Record<string, unknown>;
  /**
   * Scenarios whose figures were taken from earlier runs (`--merge`), each with the run
   * it was measured in: a merge of a merged result keeps where each figure came from.
   */
  merged?: MergedFrom | MergedFrom[];
}

/** Scenarios whose figures were measured in the run of `date` at `commit`. */
export interface MergedFrom {
  date: string;
  commit: string;
  scenarios: string[];
}

/** Where a result's merged figures came from, as a list (older results hold one). */
export function mergedFrom(results: Results): MergedFrom[] {
  const merged = results.merged;
  return merged === undefined ? [] : Array.isArray(merged) ? merged : [merged];
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

function perScenario(results: Results): string {
  const loads = Object.entries(results.details).flatMap(([key, value]) => {
    const match = /^load\.(\w+)\.start$/.exec(key);
    const end = results.details[`load.${match?.[1]}.end`] as number[] | undefined;
    return match ? [`${match[1]} ${(value as number[])[0]} → ${end?.[0] ?? '?'}`] : [];
  });
  return loads.join(', ');
}

function verdict(figure: Figure): string {
  if (!figure.target) return '';
  if (figure.met === undefined) return 'n/a';
  return figure.met ? 'met' : '**missed**';
}

function row(figure: Figure): string {
  const value = `${fmt(figure.median)} ${figure.unit}`;
  const range = figure.runs.length > 1 ? `${fmt(figure.min)} – ${fmt(figure.max)}` : '';
  const label = figure.note ? `${figure.label} _(${figure.note})_` : figure.label;
  return `| ${label} | ${value} | ${range} | ${figure.target?.text ?? ''} | ${verdict(figure)} |`;
}

/** The results as markdown: the machine, the conditions, then one table per section. */
export function renderMarkdown(results: Results): string {
  const { machine: m, load } = results;
  const merged = mergedFrom(results);
  const lines = [
    `Measured ${results.date} with \`npm run bench${results.mode === 'full' ? '' : ` -- --${results.mode}`}\` ` +
      `(${results.mode} mode: median of ${results.runs} run${results.runs > 1 ? 's' : ''} per figure, ` +
      `min – max across runs; ${Math.round(results.seconds)} s in all).`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}`,
    `- Node ${m.node}; ${m.chromium ?? 'no Chromium'}`,
    `- Code: commit ${m.commit}${m.dirty ? ' plus uncommitted changes in the working tree' : ''}`,
    `- Load average (1, 5, 15 min): ${load.start.join(', ')} at the start, ${load.end.join(', ')} at the end` +
      (load.quiet
        ? ''
        : ' — **the machine was busy (load ≥ 1.5 at the start); expect noisier figures**'),
    `- 1-minute load average at the start → end of each scenario (the bench's own processes count): ${perScenario(results)}`,
    ...merged.map(
      (from) =>
        `- The figures of ${from.scenarios.join(', ')} come from the run of ${from.date} ` +
        `(commit ${from.commit}; same mode and machine).`,
    ),
    ...(merged.length > 0 ? ['- The others come from this run.'] : []),
    '',
  ];
  // Sections in the issue's order ("1. …", "2. …"), figures in the order they were measured.
  const sections = [...new Set(results.figures.map((f) => f.section))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  for (const section of sections) {
    lines.push(
      '',
      `### ${section}`,
      '',
      '| Figure | Median | Min – max | Target | |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const figure of results.figures) if (figure.section === section) lines.push(row(figure));
  }
  const errors = Object.entries(results.errors);
  if (errors.length) {
    lines.push('', '### Scenarios that failed', '');
    for (const [name, message] of errors) lines.push(`- ${name}: ${message.split('\n')[0]}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Puts the tables into docs/benchmarks.md between its markers, keeping the prose around
 * them, formatted as `npm run lint` wants it.
 */
export async function updateDoc(file: string, markdown: string): Promise<void> {
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} lacks the ${START} … ${END} markers`);
  const text = `${doc.slice(0, start + START.length)}\n\n${markdown}\n${doc.slice(end)}`;
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(text, { ...options, parser: 'markdown' }));
}
