import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { findChromium } from '../../scripts/browser-path.mjs';
import { sleep } from './procs.ts';

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  chromium: string | null;
  os: string;
  commit: string;
  /** Whether the working tree had changes not committed when the bench ran. */
  dirty: boolean;
}

function run(command: string, args: string[]): string | null {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

export function describeMachine(): Machine {
  const chromium = findChromium();
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    chromium: chromium ? run(chromium, ['--version']) : null,
    os: run('uname', ['-srm']) ?? process.platform,
    commit: run('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown',
    dirty: (run('git', ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
  };
}

/** The 1-, 5- and 15-minute load averages. */
export function load(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = loadavg();
  return [a, b, c].map((x) => Math.round(x * 100) / 100) as [number, number, number];
}

/**
 * Waits until the 1-minute load average is below `below`, checking every 15 s, for at
 * most `maxMinutes`. Answers whether it got there; the caller reports the load either way.
 */
export async function waitForQuiet(below: number, maxMinutes: number): Promise<boolean> {
  const deadline = Date.now() + maxMinutes * 60_000;
  for (;;) {
    const [now] = load();
    if (now < below) return true;
    if (Date.now() >= deadline) return false;
    console.log(`bench: load average ${now} (want < ${below}); waiting…`);
    await sleep(15_000);
  }
}
