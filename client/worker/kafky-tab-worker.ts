/// <reference lib="webworker" />
/**
 * The entry of a tab's own dedicated worker, for browsers without SharedWorker: every
 * tab runs a core, and the one elected with a Web Lock owns the socket (see
 * `startCore`'s `election`). The API is the same one the SharedWorker exposes.
 */
import { expose } from 'comlink';
import { keepErrorCodes } from './comlink-errors.ts';
import { relaySyncUrl, startCore } from './kafky-core.ts';
import { TabSession } from './tab-session.ts';

declare const self: DedicatedWorkerGlobalScope;

keepErrorCodes();

const core = startCore({
  syncUrl: relaySyncUrl(self.location.href),
  createSocket: (url) => new WebSocket(url),
  network: self,
  election: { channel: new BroadcastChannel('kafky-cores'), locks: navigator.locks },
});
core.catch((error: unknown) => console.error('kafky: the worker could not start', error));

expose(new TabSession(core), self);
