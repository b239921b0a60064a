/// <reference lib="webworker" />
/**
 * The SharedWorker's entry: one core per browser (store, bus, projectors, the only
 * socket), and one typed API object per connecting tab, exposed with Comlink.
 */
import { expose } from 'comlink';
import { keepErrorCodes } from './comlink-errors.ts';
import { relaySyncUrl, startCore } from './kafky-core.ts';
import { TabSession } from './tab-session.ts';

declare const self: SharedWorkerGlobalScope;

keepErrorCodes();

const core = startCore({
  syncUrl: relaySyncUrl(self.location.href),
  createSocket: (url) => new WebSocket(url),
  network: self,
});
core.catch((error: unknown) => console.error('kafky: the worker could not start', error));

self.addEventListener('connect', (event) => {
  const port = event.ports[0];
  if (port) expose(new TabSession(core), port);
});
