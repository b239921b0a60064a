/**
 * The floor under a catch-up in Chromium: the same rows a catch-up stores (each event in
 * the log, its message row with its search words), written with raw IndexedDB in
 * transactions of one page (500 events), with Kafky's indexes and without any secondary
 * index. Nothing else runs: no socket, no parsing, no signature checks, no projection
 * logic, no live queries. Whatever Kafky takes beyond the indexed figure is its own code;
 * the indexed figure itself is what the schema costs on this machine's IndexedDB.
 */
import type { Page } from '@playwright/test';

export interface FloorOptions {
  events: number;
  /** Events per transaction, as the relay's catch-up pages hold. */
  page: number;
  /** Kafky's secondary indexes (db.ts, latest version) or none at all. */
  indexed: boolean;
}

/** Milliseconds to store `events` rows and their message rows, in the page's IndexedDB. */
export async function idbFloor(page: Page, options: FloorOptions): Promise<number> {
  return page.evaluate(async ({ events, page: pageSize, indexed }) => {
    const name = `kafky-bench-floor-${indexed ? 'indexed' : 'bare'}`;
    const done = (request: IDBRequest | IDBTransaction) =>
      new Promise<void>((resolve, reject) => {
        if (request instanceof IDBTransaction) {
          request.oncomplete = () => resolve();
          request.onabort = request.onerror = () => reject(new Error(String(request.error)));
        } else {
          request.onsuccess = () => resolve();
          request.onerror = () => reject(new Error(String(request.error)));
        }
      });
    await done(indexedDB.deleteDatabase(name));
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => {
      const db = open.result;
      const log = db.createObjectStore('events', { keyPath: 'pos', autoIncrement: true });
      const messages = db.createObjectStore('messages', { keyPath: 'id' });
      if (!indexed) return;
      log.createIndex('id', 'id', { unique: true });
      log.createIndex('[room+seq]', ['room', 'seq']);
      log.createIndex('payload.target', 'payload.target');
      log.createIndex('[room+type+author]', ['room', 'type', 'author']);
      log.createIndex('[room+type+pos]', ['room', 'type', 'pos']);
      messages.createIndex('[room+section+n]', ['room', 'section', 'n']);
      messages.createIndex('words', 'words', { multiEntry: true });
    };
    await done(open);
    const db = open.result;
    const words = 'the quick brown fox jumps over a lazy dog while kafky keeps every message'.split(
      ' ',
    );
    const author = 'A'.repeat(43);
    const sig = 'S'.repeat(86);
    const started = performance.now();
    for (let from = 0; from < events; from += pageSize) {
      const tx = db.transaction(['events', 'messages'], 'readwrite');
      const log = tx.objectStore('events');
      const messages = tx.objectStore('messages');
      for (let i = from; i < Math.min(events, from + pageSize); i++) {
        const id = `${i.toString(36)}-${crypto.randomUUID()}`;
        const text = `message ${i}: ${words.slice(i % 7, (i % 7) + 6).join(' ')}`;
        const ts = 1_700_000_000_000 + i;
        log.add({
          id,
          room: 'lobby',
          author,
          type: 'message.sent',
          v: 2,
          ts,
          payload: { text, mentions: [] },
          sig,
          seq: i + 1,
          rts: ts,
        });
        messages.put({
          id,
          room: 'lobby',
          author,
          text,
          ts,
          seq: i + 1,
          section: 0,
          n: i + 1,
          state: 'delivered',
          edited: false,
          deleted: false,
          reactions: [],
          words: text.toLowerCase().split(/\W+/).filter(Boolean),
          mentions: [],
        });
      }
      await done(tx);
    }
    const ms = performance.now() - started;
    db.close();
    await done(indexedDB.deleteDatabase(name));
    return ms;
  }, options);
}
