import {
  DEFAULT_ROOM,
  signEvent,
  type AuthorId,
  type AnyEvent,
  type RoomId,
} from '../../shared/index.ts';
import { ActivityState } from './activity.ts';
import { BrowserChannel, type ChannelLike, type StatusSource } from './browser-channel.ts';
import { EventBus } from './bus.ts';
import { Commands } from './commands.ts';
import { openDb, type KafkyDb } from './db.ts';
import { EventStore } from './event-store.ts';
import { loadIdentity } from './identity.ts';
import { InspectorQueries } from './inspector/inspector-queries.ts';
import { RelayHeads } from './inspector/relay-heads.ts';
import { ProjectionQueries } from './projection-queries.ts';
import { PROJECTORS } from './projectors/index.ts';
import { Queries } from './queries.ts';
import { PROCESS_DEFINITIONS } from './sagas/definitions.ts';
import { SharedLive } from './shared-live.ts';
import { ProcessManager } from './sagas/process-manager.ts';
import { EarlyIncoming } from './sync/early-incoming.ts';
import { SyncClient, type SocketLike } from './sync/sync-client.ts';

export interface CoreOptions {
  syncUrl: string;
  createSocket: (url: string) => SocketLike;
  dbName?: string;
  agent?: string;
  /** Where the browser's `online`/`offline` events fire; the worker's global scope in production. */
  network?: Pick<EventTarget, 'addEventListener'>;
  now?: () => number;
  /**
   * Without one, this core is the browser's only core (the SharedWorker) and runs the
   * socket itself. With one, every tab runs a core of its own: the cores talk over this
   * channel and the one holding the browser's leader lock runs the socket.
   */
  election?: { channel: ChannelLike; locks: LockManager };
}

/** The relay's socket address for a site served at `siteUrl`: the relay serves both. */
export function relaySyncUrl(siteUrl: string): string {
  const url = new URL('/sync', siteUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** Held by the core that owns the browser's socket when each tab runs its own core. */
export const LEADER_LOCK = 'kafky-leader';

/** Everything one browser runs once, whoever many tabs it has open. */
export interface KafkyCore {
  author: AuthorId;
  db: KafkyDb;
  store: EventStore;
  bus: EventBus;
  sync: SyncClient;
  /** The browser's connection status, wherever the socket lives. */
  connection: StatusSource;
  /** Who is typing and who is online, per room: in memory only, wherever the socket lives. */
  activity: ActivityState;
  /** Tells a room this browser is typing or stopped, through whichever core has the socket. */
  setTyping(room: RoomId, active: boolean): void;
  commands: Commands;
  /** Every command the relay may refuse, as a process with persisted states. */
  processes: ProcessManager;
  queries: Queries;
  /** The relay's head of each room as last heard, wherever the socket lives. */
  relayHeads: RelayHeads;
  inspector: InspectorQueries;
  /** Settles once the read models have caught up with the log after start. */
  readModelsReady: Promise<void>;
  /** Projector versions and positions, builds in progress, dead letters, unknown events. */
  projections: ProjectionQueries;
  /** The live queries every tab watches, each run once for all of them. */
  live: SharedLive;
  close(): void;
}

/** What the tabs' live queries need: ready before the rest of the core (see `startCore`). */
export interface ReadSide {
  queries: Queries;
  live: SharedLive;
  /** Whose browser this is: views show their own messages as theirs. */
  author: AuthorId;
}

/** The core, once started, and its read side, as soon as it can answer. */
export type CoreStart = Promise<KafkyCore> & { reads: Promise<ReadSide> };

/**
 * Starts the core. Its read side is ready once the read models are prepared and the
 * author known: the tabs' first queries (a cold open's latest messages) need not wait for
 * the processes to resume or the socket to start. Should the core fail first, so do they.
 */
export function startCore(options: CoreOptions): CoreStart {
  let readable!: (reads: ReadSide) => void;
  const early = new Promise<ReadSide>((resolve) => (readable = resolve));
  const core = runCore(options, readable);
  const reads = Promise.race([early, core]);
  // Its failure is the core's, reported where the core is started.
  reads.catch(() => undefined);
  return Object.assign(core, { reads });
}

async function runCore(
  options: CoreOptions,
  readable: (reads: ReadSide) => void,
): Promise<KafkyCore> {
  const db = openDb(options.dbName);
  const store = new EventStore(db, PROJECTORS);
  // Read models persist. A projector whose version changed has its own rebuilt from the
  // log, in the background and in chunks (progress in `projections`); events that were
  // of unknown types are projected if this version knows them.
  await store.readModels.prepare();
  const readModelsReady = store.readModels
    .projectNowKnown()
    .then(() => store.readModels.build())
    .catch((error: unknown) => {
      if (db.isOpen()) console.error('kafky: building the read models failed', error);
    });
  // Before anything is written: every event this browser writes is signed by this key.
  const identity = await loadIdentity(db);
  const author = identity.author;
  const queries = new Queries(db, author);
  const live = new SharedLive();
  readable({ queries, live, author });
  const sign = <E extends AnyEvent>(event: E): Promise<E> => signEvent(event, identity.privateKey);
  store.sign = sign;
  const firstStart = (await store.rooms()).length === 0;
  const bus = new EventBus();
  const activity = new ActivityState(options.now);
  const relayHeads = new RelayHeads();
  const processes = new ProcessManager({
    store,
    db,
    bus,
    author,
    definitions: PROCESS_DEFINITIONS,
    sign,
    ...(options.now ? { now: options.now } : {}),
  });
  // Processes outlive the worker that started them: each goes on where the log says it stands.
  await processes.resume();
  // Messages the relay forwards are shown in the tabs once verified, before they are stored.
  const early = new EarlyIncoming(author);
  const sync = new SyncClient({
    url: options.syncUrl,
    store,
    bus,
    createSocket: options.createSocket,
    agent: options.agent ?? 'kafky-web',
    identity,
    activity,
    relayHeads,
    delivery: processes,
    early: (events) => early.show(events),
  });
  processes.unfollow = (room) => sync.unfollow(room);
  // An own event written while the way is clear leaves the moment its append commits.
  store.handOver = (events) => sync.handOver(events);
  // The sync engine is an eager subscriber: an event stored here is pushed at once, and a
  // room just opened or joined is followed at once. Through the bus, this also works for
  // events written by another tab's core when tabs run their own (no SharedWorker).
  bus.subscribe('eager', (event) => {
    if (event.author !== author || event.seq !== undefined) return;
    if (event.type === 'room.created' || event.type === 'member.joined') sync.follow(event.room);
    if (event.type === 'member.left') sync.unfollow(event.room);
    if (sync.onTheWire(event.id)) return;
    return sync.flush();
  });
  options.network?.addEventListener('online', () => sync.setNetwork(true));
  options.network?.addEventListener('offline', () => sync.setNetwork(false));
  const commands = new Commands(store, db, author, processes);
  // A first-time user lands in a room they can use at once.
  if (firstStart) await commands.joinRoom(DEFAULT_ROOM);
  let connection: StatusSource = sync;
  let channel: BrowserChannel | undefined;
  const resign = new AbortController();
  if (options.election) {
    const elected = new BrowserChannel(options.election.channel, bus);
    elected.shareActivity(activity);
    elected.shareHeads(relayHeads);
    channel = elected;
    connection = elected;
    // Granted when no other tab's core holds it: then this one takes over the socket and
    // pushes whatever the last leader left in the outbox. Held until this worker dies
    // (the browser then releases it) or the core is closed.
    const resigned = new Promise<void>((resolve) =>
      resign.signal.addEventListener('abort', () => resolve()),
    );
    options.election.locks
      .request(LEADER_LOCK, { signal: resign.signal }, async () => {
        elected.lead(sync, sync);
        sync.start();
        await resigned;
      })
      .catch((error: unknown) => {
        if (!resign.signal.aborted)
          console.error('kafky: could not take part in the election', error);
      });
  } else {
    sync.start();
  }
  return {
    author,
    db,
    store,
    bus,
    sync,
    connection,
    activity,
    setTyping(room, active) {
      if (channel) channel.setTyping(room, active);
      else sync.sendTyping(room, active);
    },
    commands,
    processes,
    queries,
    relayHeads,
    inspector: new InspectorQueries(db, author),
    readModelsReady,
    projections: new ProjectionQueries(db),
    live,
    close() {
      resign.abort();
      processes.close();
      channel?.close();
      sync.stop();
      early.close();
      db.close();
    },
  };
}
