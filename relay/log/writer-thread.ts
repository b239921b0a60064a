import { Worker } from 'node:worker_threads';

/** How long a writer thread started ahead of time waits to be used before it stops. */
const SPARE_IDLE_MS = 30_000;

interface Spare {
  worker: Worker;
  timer: NodeJS.Timeout;
  forget: () => void;
}

let spare: Spare | undefined;
let taken = 0;

/**
 * The relay runs from TypeScript sources under tsx, whose loader a worker thread does
 * not inherit on Node 20: the thread registers it before importing its entry.
 */
function start(): Worker {
  const entry = new URL('./log-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)})
    .then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true });
}

/**
 * Starts a writer thread ahead of time, not holding the process open, so that the next
 * log opened need not wait while a thread loads the log's code (a large part of opening
 * one). Unused for a while, it stops. The relay calls it before it loads the rest of its
 * code, which the thread loads beside it; commands that open no threaded log (`--help`,
 * `--rebuild`, `backup`) never start one.
 */
export function prepareWriter(): void {
  if (spare) return;
  const worker = start();
  worker.unref();
  const forget = () => {
    if (spare?.worker !== worker) return;
    clearTimeout(spare.timer);
    spare = undefined;
  };
  const timer = setTimeout(() => {
    forget();
    void worker.terminate();
  }, SPARE_IDLE_MS).unref();
  worker.on('error', forget).on('exit', forget);
  spare = { worker, timer, forget };
}

/**
 * A writer thread (`log-worker.ts`) waiting to be told which log to open: the one
 * started ahead of time if there is one, else a new one. A process that opens logs
 * again and again (tests, tools) keeps one ready after the first; the relay, which
 * opens one, uses the one it started with `prepareWriter` as it loaded.
 */
export function takeWriter(): Worker {
  const ready = spare;
  spare = undefined;
  taken += 1;
  if (taken > 1) setImmediate(prepareWriter);
  if (!ready) return start();
  clearTimeout(ready.timer);
  ready.worker.off('error', ready.forget).off('exit', ready.forget);
  ready.worker.ref();
  return ready.worker;
}
