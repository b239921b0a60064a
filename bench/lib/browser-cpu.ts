import { readFileSync, readdirSync } from 'node:fs';
import { procStat } from './procs.ts';

/** CPU time of one Chromium, in ms, by the kind of process that used it. */
export type BrowserCpu = Record<string, number>;

interface Proc {
  ppid: number;
  ms: number;
  kind: string;
}

function processes(): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { ppid, cpu, childrenCpu } = procStat(Number(entry));
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      all.set(Number(entry), {
        ppid,
        // With its ended children's: the time of a renderer closed meanwhile stays counted.
        ms: (cpu + childrenCpu) * 1000,
        // Chromium's child processes rewrite their command line as one string with spaces.
        kind: /(?:^|[\0 ])--type=([a-z-]+)/.exec(cmdline)?.[1] ?? 'browser',
      });
    } catch {
      // Gone meanwhile.
    }
  }
  return all;
}

/**
 * The CPU time every process of the Chromium started with `--remote-debugging-port=<port>`
 * has used so far (its browser process and all it started: renderers, the GPU and
 * network processes), summed by kind. Linux only, as the rest of the harness.
 */
export function browserCpu(port: number): BrowserCpu {
  const all = processes();
  const flag = new RegExp(`--remote-debugging-port=${port}(?:[\\0 ]|$)`);
  const root = [...all.keys()].find((pid) => {
    if (all.get(pid)!.kind !== 'browser') return false;
    try {
      return flag.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
  if (root === undefined) throw new Error(`no Chromium listens on debugging port ${port}`);
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, proc] of all) {
      if (!tree.has(pid) && tree.has(proc.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  const byKind: BrowserCpu = {};
  for (const pid of tree) {
    const { kind, ms } = all.get(pid)!;
    byKind[kind] = (byKind[kind] ?? 0) + ms;
  }
  return byKind;
}

/** What each kind used between two readings of `browserCpu`, and in all. */
export function cpuSpent(before: BrowserCpu, after: BrowserCpu): BrowserCpu & { total: number } {
  const spent: BrowserCpu = {};
  let total = 0;
  for (const [kind, ms] of Object.entries(after)) {
    spent[kind] = ms - (before[kind] ?? 0);
    total += spent[kind];
  }
  return { ...spent, total };
}
