import { connectToWorker, type WorkerConnection } from './worker-connection.ts';

/**
 * The worker, started as the page's first module runs, before the UI's modules are
 * evaluated: on a cold open its start (its script, opening the store, the first queries)
 * is most of the time until the latest messages are on screen, and it runs beside the
 * page's own work rather than after it.
 */
let report: ((message: string) => void) | null = null;
const early: string[] = [];

export const connection: WorkerConnection | null = document.querySelector('kafky-app')
  ? connectToWorker((message) => (report ? report(message) : early.push(message)))
  : null;

/** Where the worker's failures go; those from before it was given are passed on at once. */
export function onWorkerError(handler: (message: string) => void): void {
  report = handler;
  for (const message of early.splice(0)) handler(message);
}
