import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';

interface TargetInfo {
  type: string;
  title: string;
  url: string;
  webSocketDebuggerUrl?: string;
}

/** A DevTools session on one target (or the browser), over Chromium's debugging port. */
export class Session {
  private next = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (result: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly listeners = new Map<string, (params: unknown) => void>();
  /** Rejects once the socket closes (the browser died, or `close()`): nothing waits on. */
  private readonly ended: Promise<never>;

  private constructor(private readonly socket: WebSocket) {
    this.ended = new Promise<never>((_, reject) => {
      socket.once('close', () => {
        const error = new Error('the DevTools session closed');
        for (const { reject: fail } of this.waiting.values()) fail(error);
        this.waiting.clear();
        reject(error);
      });
    });
    this.ended.catch(() => undefined);
    socket.on('message', (data: Buffer) => {
      // A socket's callback: nothing may escape it.
      try {
        const message = JSON.parse(data.toString('utf8')) as {
          id?: number;
          result?: unknown;
          error?: { message?: string };
          method?: string;
          params?: unknown;
        };
        if (message.id !== undefined) {
          const waiter = this.waiting.get(message.id);
          this.waiting.delete(message.id);
          if (message.error) waiter?.reject(new Error(`DevTools: ${message.error.message}`));
          else waiter?.resolve(message.result);
        } else if (message.method) this.listeners.get(message.method)?.(message.params);
      } catch (error) {
        console.warn('bench: a DevTools message was not understood', error);
      }
    });
  }

  static async open(url: string): Promise<Session> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new Session(socket);
  }

  /** The browser itself, for what spans every process (tracing). */
  static async browser(port: number): Promise<Session> {
    const version = (await (await fetch(`http://127.0.0.1:${port}/json/version`)).json()) as {
      webSocketDebuggerUrl: string;
    };
    return Session.open(version.webSocketDebuggerUrl);
  }

  /** Answers the command's result; rejects on an error answer or once the session closes. */
  send<T>(method: string, params: object = {}): Promise<T> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }), (error) => {
        if (!error) return;
        this.waiting.delete(id);
        reject(error);
      });
    });
  }

  /** Calls `listener` with the params of each `method` event the target sends. */
  on<T>(method: string, listener: (params: T) => void): void {
    this.listeners.set(method, listener as (params: unknown) => void);
  }

  /** The params of the next `method` event; rejects if the session closes first. */
  nextEvent<T>(method: string): Promise<T> {
    const event = Promise.race([new Promise<T>((resolve) => this.on(method, resolve)), this.ended]);
    // Awaited later, maybe after the session failed: not an unhandled rejection meanwhile.
    event.catch(() => undefined);
    return event;
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * CPU-profiles the targets of a Chromium started with `--remote-debugging-port=<port>`
 * whose type is one of `types` (e.g. `page`, `shared_worker`): the page's main thread and
 * Kafky's SharedWorker, which Playwright cannot reach. `stop()` writes one `.cpuprofile`
 * per target into `dir`.
 */
export async function profileChromium(
  port: number,
  types: string[],
  dir: string,
  label: string,
  intervalUs = 200,
) {
  const targets = (
    (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as TargetInfo[]
  ).filter((t) => types.includes(t.type) && t.webSocketDebuggerUrl && !t.url.startsWith('chrome'));
  const sessions = await Promise.all(
    targets.map(async (target) => {
      const session = await Session.open(target.webSocketDebuggerUrl!);
      await session.send('Profiler.enable');
      await session.send('Profiler.setSamplingInterval', { interval: intervalUs });
      await session.send('Profiler.start');
      return { target, session };
    }),
  );
  return {
    async stop(): Promise<string[]> {
      return Promise.all(
        sessions.map(async ({ target, session }, i) => {
          const { profile } = await session.send<{ profile: unknown }>('Profiler.stop');
          session.close();
          const file = join(dir, `${label}-${target.type}-${i}.cpuprofile`);
          writeFileSync(file, JSON.stringify(profile));
          return file;
        }),
      );
    },
  };
}

/** Evaluates `expression` in every target of `type` (e.g. the SharedWorker); answers the values. */
export async function evaluateIn(
  port: number,
  type: string,
  expression: string,
): Promise<unknown[]> {
  const targets = (
    (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as TargetInfo[]
  ).filter((t) => t.type === type && t.webSocketDebuggerUrl);
  return Promise.all(
    targets.map(async (target) => {
      const session = await Session.open(target.webSocketDebuggerUrl!);
      const { result } = await session.send<{ result: { value?: unknown } }>('Runtime.evaluate', {
        expression,
        returnByValue: true,
        awaitPromise: true,
      });
      session.close();
      return result.value;
    }),
  );
}

/**
 * Counts, in the page or worker it is evaluated in, the IndexedDB requests made from now
 * on (cursor steps one each). Read the counts with `READ_IDB_COUNTS`.
 */
export const COUNT_IDB_REQUESTS = `(() => {
  const counts = (self.__benchRequests = {});
  const wrap = (proto, names) => {
    for (const name of names) {
      const original = proto[name];
      proto[name] = function (...args) {
        counts[name] = (counts[name] || 0) + 1;
        return original.apply(this, args);
      };
    }
  };
  wrap(IDBObjectStore.prototype, ['get', 'getAll', 'getAllKeys', 'put', 'add', 'delete', 'clear', 'count', 'openCursor', 'openKeyCursor']);
  wrap(IDBIndex.prototype, ['get', 'getKey', 'getAll', 'getAllKeys', 'count', 'openCursor', 'openKeyCursor']);
  wrap(IDBCursor.prototype, ['continue', 'advance', 'continuePrimaryKey']);
  // Not a request, and counted apart: each costs a round trip of its own to commit.
  // Dexie binds IDBDatabase.transaction when it opens, before this runs; it sets each
  // transaction's oncomplete once, through the prototype's setter.
  const complete = Object.getOwnPropertyDescriptor(IDBTransaction.prototype, 'oncomplete');
  Object.defineProperty(IDBTransaction.prototype, 'oncomplete', {
    ...complete,
    set(handler) {
      counts.transaction = (counts.transaction || 0) + 1;
      complete.set.call(this, handler);
    },
  });
  return true;
})()`;

/** The counts since `COUNT_IDB_REQUESTS`, by method (and `transaction`). */
export const READ_IDB_COUNTS = 'self.__benchRequests ?? {}';

/** Requests (cursor steps one each) and transactions, from `READ_IDB_COUNTS`'s answer. */
export function idbTotals(byMethod: Record<string, number>) {
  const { transaction = 0, ...requests } = byMethod;
  return {
    requests: Object.values(requests).reduce((a, b) => a + b, 0),
    transactions: transaction,
  };
}
