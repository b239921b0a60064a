import { liveQuery, type Subscription } from 'dexie';

interface Entry<T> {
  subscription: Subscription;
  listeners: Set<(value: T) => void>;
  /** The latest result, as a fingerprint (to skip an unchanged one) and as itself. */
  last?: { fingerprint: string; value: T };
}

/**
 * Live queries shared by every subscription that asks the same thing, in every tab the
 * worker serves: Dexie runs each query once per write that touches what it read, however
 * many windows and components watch it (a window's room list and its header both watch
 * the rooms, say). A result equal to the last one is not sent again: a write that changes
 * nothing a query shows (an acknowledgement moving a cursor, say) costs the tabs nothing.
 */
export class SharedLive {
  private readonly entries = new Map<string, Entry<unknown>>();

  constructor(private readonly log: Pick<Console, 'error'> = console) {}

  /**
   * Calls `listener` with the result of `query` now and whenever it changes. `key` names
   * the query with everything it depends on: two calls with one key share one query.
   * Answers the function that stops listening.
   */
  watch<T>(
    key: string,
    query: () => Promise<T>,
    listener: (value: T) => void,
    fingerprint: (value: T) => string = (value) => JSON.stringify(value),
  ): () => void {
    let entry = this.entries.get(key) as Entry<T> | undefined;
    if (!entry) {
      const created: Entry<T> = { listeners: new Set(), subscription: undefined! };
      entry = created;
      this.entries.set(key, created as Entry<unknown>);
      created.subscription = liveQuery(query).subscribe({
        next: (value) => {
          const print = fingerprint(value);
          if (created.last?.fingerprint === print) return;
          created.last = { fingerprint: print, value };
          for (const each of [...created.listeners]) this.call(each, value);
        },
        error: (error: unknown) => {
          this.log.error(`kafky: a live query (${key}) failed`, error);
          // A failed observable is over: the next watch of this key starts the query again.
          if (this.entries.get(key) === created) this.entries.delete(key);
        },
      });
    } else if (entry.last) {
      this.call(listener, entry.last.value);
    }
    const shared = entry;
    shared.listeners.add(listener);
    return () => {
      shared.listeners.delete(listener);
      if (shared.listeners.size > 0 || this.entries.get(key) !== shared) return;
      this.entries.delete(key);
      shared.subscription.unsubscribe();
    };
  }

  /** How many queries run, for tests. */
  get size(): number {
    return this.entries.size;
  }

  private call<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      this.log.error('kafky: a live query listener failed', error);
    }
  }
}
