/**
 * The floor under a catch-up in Chromium: the same rows a catch-up stores (each event in
 * the log, its message row with its search words), written with raw IndexedDB in
 * transactions of one page (500 events), with nothing else running: no socket, no
 * parsing, no signature checks, no projection logic, no live queries.
 *
 * Four layouts, to tell what the time is spent on:
 * - `indexed`: Kafky's two records per event with Kafky's indexes. Whatever Kafky takes
 *   beyond it is its own code; the figure itself is what the schema costs here.
 * - `bare`: the same two records per event, no secondary index.
 * - `tiny`: one record of a few bytes per event, no index: the cost of a write request
 *   alone, whatever it holds. No design that stores a record per event goes below it.
 * - `paged`: one record per page holding the page's events and their rows: what a log
 *   kept as pages would cost.
 */
import type { Page } from '@playwright/test';

export type FloorLayout = 'indexed' | 'bare' | 'tiny' | 'paged';

export const FLOOR_LAYOUTS: Record<FloorLayout, string> = {
  indexed: 'two records per event (the event, its message row), with Kafky’s indexes',
  bare: 'two records per event, no secondary index',
  tiny: 'one record of a few bytes per event, no index',
  paged: 'one record per page of events and their rows',
};

export interface FloorOptions {
  events: number;
  /** Events per transaction, as the relay's catch-up pages hold. */
  page: number;
  layout: FloorLayout;
}

/** Milliseconds to store `events` events as `layout` lays them out, in the page's IndexedDB. */
export async function idbFloor(page: Page, options: FloorOptions): Promise<number> {
  return page.evaluate(async ({ events, page: pageSize, layout }) => {
    const name = `kafky-bench-floor-${layout}`;
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
      if (layout !== 'indexed') return;
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
    const rows = (i: number) => {
      const id = `${i.toString(36)}-${crypto.randomUUID()}`;
      const text = `message ${i}: ${words.slice(i % 7, (i % 7) + 6).join(' ')}`;
      const ts = 1_700_000_000_000 + i;
      const event = {
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
      };
      const message = {
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
      };
      return { event, message };
    };
    const started = performance.now();
    for (let from = 0; from < events; from += pageSize) {
      const to = Math.min(events, from + pageSize);
      const tx = db.transaction(['events', 'messages'], 'readwrite');
      const log = tx.objectStore('events');
      const messages = tx.objectStore('messages');
      if (layout === 'paged') {
        const page = [];
        for (let i = from; i < to; i++) page.push(rows(i));
        log.add({ room: 'lobby', from: from + 1, to, page });
      } else {
        for (let i = from; i < to; i++) {
          if (layout === 'tiny') {
            log.add({ i });
            continue;
          }
          const { event, message } = rows(i);
          log.add(event);
          messages.put(message);
        }
      }
      await done(tx);
    }
    const ms = performance.now() - started;
    db.close();
    await done(indexedDB.deleteDatabase(name));
    return ms;
  }, options);
}
