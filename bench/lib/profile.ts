import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { sourceMapFor } from './sourcemap.ts';
import { join } from 'node:path';

/** The parts of a V8 `.cpuprofile` (from `node --cpu-prof` or CDP's Profiler) read here. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  name: string;
  /** Source file and line, as far as they can be told. */
  where: string;
  selfMs: number;
  totalMs: number;
}

type Locator = ((line: number, column: number) => string | undefined) | undefined;

function locate(
  name: string,
  url: string,
  line: number,
  column: number,
  site: string | undefined,
  cache: Map<string, Locator>,
): string {
  const path = url.replace(/^file:\/\//, '').replace(/^https?:\/\/[^/]+/, '');
  if (site && url.startsWith('http')) {
    // A bundle of the built site: its source map says which file and line it came from.
    const file = join(site, path);
    if (!cache.has(file)) cache.set(file, sourceMapFor(file));
    const source = cache.get(file)?.(line, column);
    if (source) return source;
  }
  const relative = path.replace(/^.*?\/work\/main\//, '');
  // tsx compiles TypeScript on the fly, and its line numbers are not the source's.
  if (path.endsWith('.ts')) return declaredAt(path, name) ?? relative;
  return `${relative}:${line + 1}`;
}

const sources = new Map<string, string[]>();

/** Where `name` is declared in a TypeScript file (a function, method or constant), if found. */
function declaredAt(path: string, name: string): string | undefined {
  if (!sources.has(path))
    sources.set(path, existsSync(path) ? readFileSync(path, 'utf8').split('\n') : []);
  const escaped = name.replace(/[$]/g, '\\$');
  const declaration = new RegExp(
    `^\\s*(export\\s+)?((async\\s+)?function\\*?\\s+${escaped}\\b|(private\\s+|static\\s+|async\\s+|readonly\\s+)*${escaped}\\s*[(<=]|(const|let)\\s+${escaped}\\s*=)`,
  );
  const index = sources.get(path)!.findIndex((text) => declaration.test(text));
  return index < 0 ? undefined : `${path.replace(/^.*?\/work\/main\//, '')}:${index + 1}`;
}

/** Time per function (self and total, in ms), heaviest first. */
export function hotspots(file: string, site?: string): Hotspot[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000),
  );
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const total = new Map<number, number>();
  const inclusive = (id: number): number => {
    const known = total.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const sum =
      (self.get(id) ?? 0) + (node.children ?? []).reduce((s, child) => s + inclusive(child), 0);
    total.set(id, sum);
    return sum;
  };
  const cache = new Map<string, Locator>();
  const spots = new Map<string, Hotspot>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? locate(name, url, lineNumber, columnNumber, site, cache) : '';
    const key = `${name} ${where}`;
    const spot = spots.get(key) ?? { name, where, selfMs: 0, totalMs: 0 };
    spot.selfMs += self.get(node.id) ?? 0;
    // Recursion would count a function's time more than once; the outermost frame is enough.
    spot.totalMs = Math.max(spot.totalMs, inclusive(node.id));
    spots.set(key, spot);
  }
  return [...spots.values()].sort((a, b) => b.selfMs - a.selfMs);
}

/** A readable summary of a profile: the heaviest functions by self time and by total time. */
export function summarize(file: string, site?: string, top = 25): string {
  const spots = hotspots(file, site);
  const all = spots.reduce((sum, s) => sum + s.selfMs, 0);
  const line = (s: Hotspot) =>
    `${s.selfMs.toFixed(1).padStart(9)} ${s.totalMs.toFixed(1).padStart(9)}  ${s.name}  ${s.where}`;
  const ours = (s: Hotspot) => /(client|relay|shared)\//.test(s.where);
  return [
    `${file}: ${all.toFixed(0)} ms sampled`,
    '  self ms  total ms  function  where',
    ...spots.slice(0, top).map(line),
    '',
    'Kafky code by total time:',
    ...spots
      .filter(ours)
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, top)
      .map(line),
  ].join('\n');
}

/** Writes a `.txt` summary next to every `.cpuprofile` in `dir`. */
export function summarizeDir(dir: string, site?: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => {
      const file = join(dir, f);
      writeFileSync(file.replace(/\.cpuprofile$/, '.txt'), summarize(file, site) + '\n');
      return file;
    });
}
