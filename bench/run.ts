/**
 * `npm run bench [-- --quick | --smoke] [--only a,b] [--runs N] [--wait-load L] [--docs]
 *   [--profile] [--trace] [--merge earlier.json]`
 *
 * Runs the scenarios of issue 7 one after the other, each with its baselines, and writes
 * bench/results/<mode>-<time>.json and .md. A full run also puts its tables into
 * docs/benchmarks.md (`--docs` does so for any mode). `--smoke` is what `npm test` runs:
 * tiny sizes, and it fails only when a figure is missing, never on how fast it is.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../relay/testing/relay-process.ts';
import { SIZES, type Context, type Mode, type Sizes } from './config.ts';
import { Recorder } from './lib/figures.ts';
import { describeMachine, load, waitForQuiet } from './lib/machine.ts';
import { summarizeDir } from './lib/profile.ts';
import { mergedFrom, renderMarkdown, updateDoc, type Results } from './report.ts';
import { browserLatency } from './scenarios/browser-latency.ts';
import { browserHistory } from './scenarios/browser-history.ts';
import { catchUp } from './scenarios/catchup.ts';
import { clientStore } from './scenarios/client-store.ts';
import { fanout } from './scenarios/fanout.ts';
import { ingest } from './scenarios/ingest.ts';
import { memory } from './scenarios/memory.ts';

type Scenario = (rec: Recorder, ctx: Context) => Promise<void>;

const SCENARIOS: Record<string, { browser: boolean; run: Scenario }> = {
  ingest: { browser: false, run: ingest },
  fanout: { browser: false, run: fanout },
  catchup: { browser: false, run: catchUp },
  browser: { browser: true, run: browserLatency },
  store: { browser: false, run: clientStore },
  history: { browser: true, run: browserHistory },
  memory: { browser: false, run: memory },
};

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string' },
    'wait-load': { type: 'string' },
    'wait-minutes': { type: 'string', default: '30' },
    merge: { type: 'string' },
    docs: { type: 'boolean', default: false },
    site: { type: 'string' },
    profile: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
  },
});

const mode: Mode = flags.smoke ? 'smoke' : flags.quick ? 'quick' : 'full';
const sizes: Sizes = { ...SIZES[mode], ...(flags.runs ? { runs: Number(flags.runs) } : {}) };
const only = flags.only?.split(',') ?? Object.keys(SCENARIOS);
for (const name of only) if (!SCENARIOS[name]) throw new Error(`no scenario "${name}"`);

/**
 * The site to serve: built afresh into bench/results/site (unminified, so profiles name
 * functions, with --profile), or dist/ for the smoke run.
 */
function site(): string {
  if (flags.site) return flags.site;
  const dist = join(REPO_ROOT, 'dist');
  if (mode === 'smoke' && !flags.profile && existsSync(join(dist, 'index.html'))) return dist;
  const out = join(REPO_ROOT, 'bench', 'results', flags.profile ? 'site-unminified' : 'site');
  console.log(`bench: building the site into ${out}`);
  const vite = join(REPO_ROOT, 'node_modules/vite/bin/vite.js');
  const args = ['build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'];
  execFileSync(process.execPath, [vite, ...args, ...(flags.profile ? ['--minify', 'false'] : [])], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  return out;
}

/**
 * Takes the figures of the scenarios not run now from an earlier run's JSON (`--merge`):
 * to re-measure one scenario that a busy machine spoiled, keeping the others.
 */
function merge(now: Results, file: string): Results {
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as Results;
  const kept = Object.keys(SCENARIOS).filter((name) => !only.includes(name));
  const prefixes = kept.map((name) => `${name}.`);
  const figures = earlier.figures.filter((f) => prefixes.some((p) => f.id.startsWith(p)));
  const details = Object.fromEntries(
    Object.entries(earlier.details).filter(([key]) => kept.some((name) => key.includes(name))),
  );
  const scenarios = kept.filter((name) => figures.some((f) => f.id.startsWith(`${name}.`)));
  // A figure the earlier run had merged itself keeps the run it was measured in.
  const sources = mergedFrom(earlier)
    .map((from) => ({ ...from, scenarios: from.scenarios.filter((s) => scenarios.includes(s)) }))
    .filter((from) => from.scenarios.length > 0);
  const inherited = new Set(sources.flatMap((from) => from.scenarios));
  const own = scenarios.filter((name) => !inherited.has(name));
  const merged = own.length
    ? [...sources, { date: earlier.date, commit: earlier.machine.commit, scenarios: own }]
    : sources;
  return {
    ...now,
    figures: [...figures, ...now.figures],
    details: { ...details, ...now.details },
    errors: { ...now.errors },
    ...(merged.length > 0 ? { merged } : {}),
  };
}

async function main(): Promise<void> {
  const needsSite = only.some((name) => SCENARIOS[name]!.browser);
  const started = new Date();
  const date = started.toISOString().replace(/\.\d+Z$/, 'Z');
  const dir = join(REPO_ROOT, 'bench', 'results');
  const stem = join(dir, `${mode}-${date.replace(/:/g, '-')}`);
  const diagnostics = join(dir, 'profiles', `${mode}-${date.replace(/:/g, '-')}`);
  const profile = flags.profile ? diagnostics : undefined;
  const trace = flags.trace ? diagnostics : undefined;
  mkdirSync(profile ?? trace ?? dir, { recursive: true });
  const ctx: Context = {
    sizes,
    site: needsSite ? site() : '',
    ...(profile ? { profile } : {}),
    ...(trace ? { trace } : {}),
  };
  const waitBelow = flags['wait-load'] ? Number(flags['wait-load']) : mode === 'full' ? 1.5 : 0;
  const quiet =
    waitBelow > 0 ? await waitForQuiet(waitBelow, Number(flags['wait-minutes'])) : load()[0] < 1.5;
  const rec = new Recorder();
  const errors: Record<string, string> = {};
  const loadStart = load();
  const machine = describeMachine();
  const results = (): Results => ({
    mode,
    date,
    machine,
    load: { start: loadStart, end: load(), quiet },
    runs: sizes.runs,
    seconds: (Date.now() - started.getTime()) / 1000,
    figures: rec.figures(),
    errors,
    details: rec.details,
  });
  console.log(`bench: ${mode} mode, scenarios ${only.join(', ')}; load ${loadStart.join(' ')}`);
  for (const name of only) {
    const t = Date.now();
    const before = rec.figures().length;
    rec.detail(`load.${name}.start`, load());
    try {
      await SCENARIOS[name]!.run(rec, ctx);
      if (rec.figures().length === before) throw new Error('it produced no figure');
      console.log(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    } catch (error) {
      errors[name] = (error as Error).stack ?? String(error);
      console.error(`bench: ${name} failed:`, error);
    }
    rec.detail(`load.${name}.end`, load());
    // Written after every scenario, so an interrupted run keeps what it measured.
    writeFileSync(`${stem}.json`, JSON.stringify(results(), null, 2));
  }
  const final = flags.merge ? merge(results(), flags.merge) : results();
  if (profile) {
    const files = summarizeDir(profile, ctx.site || undefined);
    console.log(`bench: ${files.length} CPU profiles, each with a .txt summary, in ${profile}`);
  }
  const markdown = renderMarkdown(final);
  writeFileSync(`${stem}.json`, JSON.stringify(final, null, 2));
  writeFileSync(`${stem}.md`, markdown);
  console.log(`\n${markdown}\nbench: wrote ${stem}.json and .md`);
  if ((mode === 'full' && !flags.only) || flags.docs) {
    await updateDoc(join(REPO_ROOT, 'docs', 'benchmarks.md'), markdown);
    console.log('bench: updated docs/benchmarks.md');
  }

  const missing = final.figures.filter(
    (f) => !f.runs.length || f.runs.some((v) => !Number.isFinite(v)),
  );
  if (Object.keys(errors).length || missing.length || final.figures.length === 0) {
    for (const f of missing) console.error(`bench: no figure for ${f.id}`);
    process.exitCode = 1;
  }
}

// Interrupted, exit through process.exit(), so the relays and workers started are killed.
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

await main();
// Sockets and timers of finished scenarios must not hold the process open.
process.exit(process.exitCode ?? 0);
