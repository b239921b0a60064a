import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What `GET /api/health` answers. */
export interface Health {
  status: 'ok';
  version: string;
  protocol: number;
  epoch: string;
  uptime: number;
  /** Open sync WebSockets. */
  connections: number;
}

/** How a relay process ended. */
export interface RelayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RelayOptions {
  /** The relay's entry point, relative to the repository's root. */
  entry?: string;
  /** The directory the relay serves; the built site by default; null to serve only the API. */
  staticDir?: string | null;
  /** More command-line arguments for the relay. */
  args?: string[];
  /** More environment variables for the relay. */
  env?: Record<string, string>;
  /** How long `start()` waits for the relay to listen. */
  startTimeoutMs?: number;
  /** How long `stop()` waits for the relay to exit after SIGTERM. */
  stopTimeoutMs?: number;
  /** Copy the relay's output to this process's (also with KAFKY_E2E_RELAY_LOG=1). */
  echo?: boolean;
}

const LISTENING = /^Kafky relay listening on (http:\/\/\S+?)\/?$/m;
const MAX_OUTPUT = 256 * 1024;
// Node with tsx's loader in the same process, as `npm run relay` runs it: the tsx command
// would run the relay in a child and SIGKILL it if it answers SIGTERM slower than 60 ms.
const NODE_ARGS = ['--import', 'tsx'];

/** Relays still running, killed if this process exits without stopping them. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

/**
 * The relay CLI (`node --import tsx relay/main.ts`) run as a separate process, as in production, on a
 * SQLite file in a fresh temporary directory. It keeps its port across restarts, so pages
 * that were connected to it can reconnect to the same address.
 */
export class RelayProcess {
  /** The temporary directory holding the database; removed by `dispose()`. */
  readonly dir: string;
  /** The relay's SQLite file. */
  readonly dbFile: string;

  readonly #options: RelayOptions;
  #port: number | undefined;
  #url: string | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<RelayExit> | undefined;
  #output = '';
  #lastExit: RelayExit | undefined;
  #disposed = false;

  private constructor(dir: string, options: RelayOptions) {
    this.dir = dir;
    this.dbFile = join(dir, 'kafky.sqlite');
    this.#options = options;
  }

  /** A relay with its own temporary directory, not started yet. */
  static async create(options: RelayOptions = {}): Promise<RelayProcess> {
    return new RelayProcess(await mkdtemp(join(tmpdir(), 'kafky-relay-')), options);
  }

  /** Creates a relay and starts it. */
  static async start(options: RelayOptions = {}): Promise<RelayProcess> {
    const relay = await RelayProcess.create(options);
    try {
      await relay.start();
    } catch (error) {
      await relay.dispose().catch(() => {});
      throw error;
    }
    return relay;
  }

  /** The relay's address, like `http://127.0.0.1:40123`; known once it has been started. */
  get url(): string {
    if (this.#url === undefined) throw new Error('The relay has not been started yet.');
    return this.#url;
  }

  /** The relay's port; the same after a restart. */
  get port(): number {
    if (this.#port === undefined) throw new Error('The relay has not been started yet.');
    return this.#port;
  }

  /** Whether the relay process is running. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Everything the relay printed so far, stdout and stderr mixed (the last 256 KiB). */
  get output(): string {
    return this.#output;
  }

  /** How the relay last ended, if it did. */
  get lastExit(): RelayExit | undefined {
    return this.#lastExit;
  }

  /** Starts the relay; resolves once it says it is listening. */
  async start(): Promise<void> {
    if (this.#disposed) throw new Error('This relay has been disposed.');
    if (this.#child) throw new Error('The relay is already running.');
    // KAFKY_E2E_DIST lets two checkouts' builds (or two people's) be tested side by side.
    const staticDir =
      this.#options.staticDir === undefined
        ? resolve(process.env.KAFKY_E2E_DIST ?? join(REPO_ROOT, 'dist'))
        : this.#options.staticDir;
    if (staticDir !== null && !existsSync(join(staticDir, 'index.html'))) {
      throw new Error(`No site to serve in ${staticDir}: run \`npm run build\` first.`);
    }
    this.#port ??= await freePort();
    const timeoutMs = this.#options.startTimeoutMs ?? 20_000;
    const echo = this.#options.echo ?? process.env.KAFKY_E2E_RELAY_LOG === '1';
    const args = [
      this.#options.entry ?? 'relay/main.ts',
      ...['--port', String(this.#port), '--host', '127.0.0.1'],
      ...['--db', this.dbFile, '--static', staticDir ?? 'none'],
      ...(this.#options.args ?? []),
    ];
    this.#log(`$ node ${[...NODE_ARGS, ...args].join(' ')}\n`);

    // Its own process group, so kill() also takes anything the relay may have started.
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.#options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child = child;
    live.add(child);
    const exited = new Promise<RelayExit>((resolve) => {
      const ended = (code: number | null, signal: NodeJS.Signals | null) => {
        if (!live.delete(child)) return;
        if (this.#child === child) this.#child = undefined;
        this.#lastExit = { code, signal };
        this.#log(`[relay exited: ${describeExit({ code, signal })}]\n`);
        resolve({ code, signal });
      };
      child.once('exit', ended);
      // A process that could not be spawned at all may never emit 'exit'.
      child.once('error', () => {
        if (child.pid === undefined) ended(null, null);
      });
    });
    this.#exited = exited;

    await new Promise<void>((resolve, reject) => {
      let stdout = '';
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        cleanup();
        killGroup(child, 'SIGKILL');
        // Only once it is gone, so that a dispose() after this failure has nothing to stop.
        void exited.then(() =>
          reject(new Error(`The relay did not start: ${why}\n${this.#formatOutput()}`)),
        );
      };
      const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        this.#log(text);
        if (echo) (stream === 'stdout' ? process.stdout : process.stderr).write(text);
        if (settled || stream !== 'stdout') return;
        stdout += text;
        const url = LISTENING.exec(stdout)?.[1];
        if (url === undefined) return;
        if (new URL(url).port !== String(this.#port)) {
          fail(`it listens on ${url}, not on port ${this.#port}.`);
          return;
        }
        settled = true;
        cleanup();
        this.#url = url;
        resolve();
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        fail(`it exited (${describeExit({ code, signal })}) before listening.`);
      const onError = (error: Error) => fail(`could not run the relay: ${error.message}`);
      const timer = setTimeout(
        () => fail(`it did not say it was listening within ${timeoutMs / 1000} s.`),
        timeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      child.stdout.on('data', onData('stdout'));
      child.stderr.on('data', onData('stderr'));
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  /**
   * Stops the relay the graceful way (SIGTERM) and waits for it to exit. Rejects when it
   * does not exit in time (it is then killed) or exits with anything but 0.
   */
  async stop(): Promise<RelayExit> {
    const child = this.#child;
    const exited = this.#exited;
    if (!child || !exited) return this.#lastExit ?? { code: null, signal: null };
    const timeoutMs = this.#options.stopTimeoutMs ?? 10_000;
    // The relay drains and exits 0 on SIGTERM (see relay/main.ts).
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      killGroup(child, 'SIGKILL');
      await exited;
      throw new Error(
        `The relay did not exit within ${timeoutMs / 1000} s of SIGTERM; killed it.\n${this.#formatOutput()}`,
      );
    }
    if (result.code !== 0) {
      throw new Error(
        `The relay exited with ${describeExit(result)} after SIGTERM, not 0.\n${this.#formatOutput()}`,
      );
    }
    return result;
  }

  /** Kills the relay at once (SIGKILL), as a crash would, and waits for it to be gone. */
  async kill(): Promise<RelayExit> {
    const child = this.#child;
    const exited = this.#exited;
    if (!child || !exited) return this.#lastExit ?? { code: null, signal: null };
    killGroup(child, 'SIGKILL');
    return exited;
  }

  /** Stops the relay gracefully and starts it again on the same port and database. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** `GET /api/health`. */
  async health(): Promise<Health> {
    const response = await fetch(`${this.url}/api/health`);
    if (!response.ok) {
      throw new Error(`GET /api/health answered ${response.status}: ${await response.text()}`);
    }
    return (await response.json()) as Health;
  }

  /** Stops the relay (killing it if it will not stop) and removes its temporary directory. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    try {
      await this.stop();
    } finally {
      await this.kill();
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  #log(text: string): void {
    this.#output += text;
    if (this.#output.length > MAX_OUTPUT) this.#output = this.#output.slice(-MAX_OUTPUT);
  }

  #formatOutput(): string {
    const output = this.#output.trimEnd();
    return output ? `--- relay output ---\n${output}\n--- end of relay output ---` : '(no output)';
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('Could not get a free port.'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Signals the child and whatever it started (tsx runs the relay in a process of its own). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function describeExit({ code, signal }: RelayExit): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}
