import { DEFAULT_ROOM, type AuthorId } from '../../shared/index.ts';
import { EventBus } from './bus.ts';
import { Commands } from './commands.ts';
import { openDb, type KafkyDb } from './db.ts';
import { EventStore } from './event-store.ts';
import { PROJECTORS } from './projectors/index.ts';
import { Queries } from './queries.ts';
import { SyncClient, type SocketLike } from './sync/sync-client.ts';

export interface CoreOptions {
  syncUrl: string;
  createSocket: (url: string) => SocketLike;
  dbName?: string;
  agent?: string;
  /** Where the browser's `online`/`offline` events fire; the worker's global scope in production. */
  network?: Pick<EventTarget, 'addEventListener'>;
  now?: () => number;
}

/** Everything one browser runs once, whoever many tabs it has open. */
export interface KafkyCore {
  author: AuthorId;
  db: KafkyDb;
  store: EventStore;
  bus: EventBus;
  sync: SyncClient;
  commands: Commands;
  queries: Queries;
  close(): void;
}

export async function startCore(options: CoreOptions): Promise<KafkyCore> {
  const db = openDb(options.dbName);
  const store = new EventStore(db, PROJECTORS);
  // A new version of the app may project differently: its read models come from the log.
  await store.ensureReadModels();
  const author = await store.author();
  await store.join(DEFAULT_ROOM);
  const bus = new EventBus();
  const sync = new SyncClient({
    url: options.syncUrl,
    store,
    bus,
    createSocket: options.createSocket,
    agent: options.agent ?? 'kafky-web',
  });
  // The sync engine is an eager subscriber: an event stored here is pushed at once.
  bus.subscribe('eager', (event) =>
    event.author === author && event.seq === undefined ? sync.flush() : undefined,
  );
  options.network?.addEventListener('online', () => sync.setNetwork(true));
  options.network?.addEventListener('offline', () => sync.setNetwork(false));
  sync.start();
  return {
    author,
    db,
    store,
    bus,
    sync,
    commands: new Commands(store, bus, author, options.now),
    queries: new Queries(db, author),
    close() {
      sync.stop();
      db.close();
    },
  };
}
