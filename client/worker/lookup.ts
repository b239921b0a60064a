import type { Table } from 'dexie';

/** How many rows a range read may return per key asked for, before reading key by key. */
const SLACK = 4;

/**
 * The rows whose `index` holds one of `keys`, in few IndexedDB requests. Dexie's `anyOf`
 * steps a cursor from key to key, a round trip to the storage each. Keys that lie close
 * together (the ids of one page of events, ULIDs sorting by time) are read with one
 * range read over [min, max], the rows between them that were not asked for dropped;
 * when that range holds too many others, each key is read on its own, all at once.
 */
export async function rowsWhere<T, K, I>(
  table: Table<T, K, I>,
  index: string,
  keys: Iterable<string>,
  keyOf: (row: T) => unknown,
): Promise<T[]> {
  const wanted = new Set(keys);
  if (wanted.size === 0) return [];
  const sorted = [...wanted].sort();
  if (sorted.length > 1) {
    const limit = sorted.length * SLACK + 16;
    const range = await table
      .where(index)
      .between(sorted[0], sorted.at(-1), true, true)
      .limit(limit)
      .toArray();
    if (range.length < limit) return range.filter((row) => wanted.has(keyOf(row) as string));
  }
  const rows = await Promise.all(sorted.map((key) => table.where(index).equals(key).toArray()));
  return rows.flat();
}
