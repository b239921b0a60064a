import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';

/** Messages between the harness and a worker process. */
type Request = { id: number; method: string; args: unknown };
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * A process of its own (Node with tsx's loader) running one of `bench/workers/`: load
 * generators, the baselines, the client core. Called over IPC, one method at a time or
 * several at once.
 */
export class WorkerProcess {
  private next = 0;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private exited = false;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (message: Reply) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      live.delete(child);
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`${name} exited (${signal ?? code}) during a call`));
      }
      this.pending.clear();
    });
  }

  /** Starts `bench/workers/<file>`; with `cpuProfile`, it writes a CPU profile there at exit. */
  static async start(file: string, cpuProfile?: string): Promise<WorkerProcess> {
    const path = fileURLToPath(new URL(`../workers/${file}`, import.meta.url));
    const child = fork(path, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...(cpuProfile ? { [PROFILE_ENV]: cpuProfile } : {}) },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(child);
    const worker = new WorkerProcess(file, child);
    await worker.call('ping', null);
    return worker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<T = unknown>(method: string, args: unknown): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, method, args } satisfies Request);
    });
  }

  /** Asks it to exit, and kills it if it has not within a few seconds. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

/** The worker side: answers the harness's calls with `methods`. */
export function serve(methods: Record<string, (args: never) => unknown>): void {
  profileThisProcess();
  process.on('message', (message: Request) => {
    void (async () => {
      let reply: Reply;
      try {
        const method = message.method === 'ping' ? () => 'pong' : methods[message.method];
        if (!method) throw new Error(`no method ${message.method}`);
        reply = { id: message.id, ok: true, value: await method(message.args as never) };
      } catch (error) {
        reply = { id: message.id, ok: false, error: (error as Error).stack ?? String(error) };
      }
      process.send!(reply);
    })();
  });
  process.on('SIGTERM', () => process.exit(0));
}

export const PROFILE_ENV = 'KAFKY_BENCH_CPU_PROFILE';

/**
 * Profiles this process's main thread from now until it exits, into $KAFKY_BENCH_CPU_PROFILE
 * if that is set. (`node --cpu-prof` would also profile tsx's loader thread, under the
 * same name, and is not allowed in NODE_OPTIONS.) Exits must go through process.exit().
 */
export function profileThisProcess(): void {
  const file = process.env[PROFILE_ENV];
  if (!file) return;
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  // An in-process session answers synchronously, so this works in an exit handler.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}

/** A process's resident memory now, in bytes (Linux `/proc/<pid>/status`). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/**
 * A process's parent and CPU times in seconds (`/proc/<pid>/stat`): its own (user +
 * system), and that of its children that ended and were waited for.
 */
export function procStat(pid: number): { ppid: number; cpu: number; childrenCpu: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (i: number) => Number(fields[i]);
  // USER_HZ is 100 on Linux.
  return {
    ppid: field(1),
    cpu: (field(11) + field(12)) / 100,
    childrenCpu: (field(13) + field(14)) / 100,
  };
}

/** CPU time (user + system) a process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  return procStat(pid).cpu;
}

/** The process whose command line contains `needle` (e.g. a relay's unique database path). */
export function findPid(needle: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle) && Number(entry) !== process.pid) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  throw new Error(`no process with ${needle} in its command line`);
}

/** Samples a process's RSS every `everyMs` until stopped; answers the samples. */
export function sampleRss(pid: number, everyMs = 50): { stop(): number[] } {
  const samples: number[] = [];
  const take = () => {
    try {
      samples.push(rssBytes(pid));
    } catch {
      // The process ended.
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
