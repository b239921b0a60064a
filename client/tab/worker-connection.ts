import { wrap, type Remote } from 'comlink';
import type { KafkyApi } from '../api.ts';

export type KafkyRemote = Remote<KafkyApi>;

/**
 * The tab's handle on the worker. The Comlink proxy sits inside a plain object because
 * a proxy answers every property read, and Lit reads a few to detect directives.
 */
export interface WorkerConnection {
  readonly api: KafkyRemote;
}

/**
 * Connects this tab to Kafky's worker. Every tab of the origin shares the same
 * SharedWorker, hence one store and one socket per browser. Where there is no
 * SharedWorker, the tab starts a dedicated worker of its own; those elect one of them
 * to own the socket.
 */
export function connectToWorker(onError: (message: string) => void): WorkerConnection {
  const failed = () => onError('The Kafky worker failed to start.');
  let api: KafkyRemote;
  if (typeof SharedWorker === 'function') {
    const worker = new SharedWorker(new URL('../worker/kafky-worker.ts', import.meta.url), {
      type: 'module',
      name: 'kafky',
    });
    worker.addEventListener('error', failed);
    worker.port.start();
    api = wrap<KafkyApi>(worker.port);
  } else {
    const worker = new Worker(new URL('../worker/kafky-tab-worker.ts', import.meta.url), {
      type: 'module',
      name: 'kafky',
    });
    worker.addEventListener('error', failed);
    api = wrap<KafkyApi>(worker);
  }
  bindLifetime(api, onError);
  reportNetwork(api);
  return { api };
}

/**
 * Holds a Web Lock for as long as this tab lives. The worker waits on the same lock,
 * so it learns when the tab is gone, even after a crash, and drops its subscriptions.
 */
function bindLifetime(api: KafkyRemote, onError: (message: string) => void): void {
  const lockName = `kafky-tab:${crypto.randomUUID()}`;
  navigator.locks
    .request(lockName, async () => {
      await api.bindToTab(lockName);
      await new Promise<never>(() => {});
    })
    .catch(() => onError('This tab could not register with the Kafky worker.'));
}

/** Tells the worker what this window knows about the network, now and on each change. */
function reportNetwork(api: KafkyRemote): void {
  const report = () => {
    api
      .reportNetwork(navigator.onLine)
      .catch((error: unknown) => console.warn('kafky: could not report the network', error));
  };
  window.addEventListener('online', report);
  window.addEventListener('offline', report);
  report();
}
