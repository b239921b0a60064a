import { Dexie } from 'dexie';
import { KafkyError, type RoomId } from '../../shared/index.ts';
import type { KafkyDb } from './db.ts';

// Pieces of the event store's writes, kept apart so the store reads in one sitting.

/**
 * Moves the room's cursor over every sequence now held without a gap: first over
 * `seqs`, just stored (no read needed), then over any held since an earlier write that
 * came ahead of a gap.
 */
export async function advanceCursor(
  db: KafkyDb,
  room: RoomId,
  seqs: readonly number[],
): Promise<void> {
  const [joined, state] = await Promise.all([db.rooms.get(room), db.cursors.get(room)]);
  if (!joined) return;
  const stored = new Set(seqs);
  const held = state?.cursor ?? 0;
  let cursor = held;
  while (stored.has(cursor + 1)) cursor += 1;
  const after = db.events.where('[room+seq]').between([room, cursor + 1], [room, Dexie.maxKey]);
  // One read when nothing waits beyond the gap, which is nearly always.
  if ((await after.clone().first())?.seq === cursor + 1) {
    for (const key of await after.keys()) {
      if ((key as unknown as [RoomId, number])[1] !== cursor + 1) break;
      cursor += 1;
    }
  }
  if (cursor !== held) await db.cursors.put({ room, cursor });
}

/** A failed write, as the user is told: a full disk apart from any other failure. */
export function storageError(error: unknown): KafkyError {
  if (error instanceof KafkyError) return error;
  const name = (error as { name?: string } | null)?.name;
  if (
    name === 'QuotaExceededError' ||
    (error as { inner?: { name?: string } })?.inner?.name === 'QuotaExceededError'
  ) {
    return new KafkyError(
      'storage_full',
      'This browser has no room left for Kafky: free some disk space or site data, then try again.',
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new KafkyError('storage_failed', `The browser refused to store this: ${message}`, {
    cause: error,
  });
}

/** Random bytes as text safe in a URL: how this browser's author id is written. */
export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
