import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { randomId } from '../log/event-log.ts';

/**
 * Copies the relay's database to `target` with SQLite's online backup API, while the
 * relay may be running and writing. The source is opened read-only, so the backup can
 * never change it; in WAL mode a reader does not block the relay's writer, and the copy
 * is of one consistent moment. It is written next to `target` and renamed into place,
 * so a failed backup never leaves a half-written file under the name asked for.
 *
 * The copy gets an epoch of its own. Once restored it is older than what browsers hold:
 * the new epoch tells them the log was replaced, so they catch up from its start and
 * push their own events again, instead of taking sequences they already hold for others.
 */
export async function backupDatabase(
  source: string,
  target: string,
  progress?: (copied: number, total: number) => void,
): Promise<{ pages: number; epoch: string }> {
  if (!existsSync(source)) throw new Error(`there is no database at ${source}`);
  if (source === target) throw new Error('the backup must go to another file than the database');
  const db = new Database(source, { readonly: true, fileMustExist: true });
  const partial = `${target}.partial`;
  try {
    rmSync(partial, { force: true });
    const result = await db.backup(partial, {
      progress({ totalPages, remainingPages }) {
        progress?.(totalPages - remainingPages, totalPages);
        // Pages per step: large enough to be quick, small enough not to hold the reader long.
        return 1000;
      },
    });
    // The copy is a database of its own: a single file, with no WAL beside it.
    const copy = new Database(partial);
    const epoch = randomId();
    try {
      copy.pragma('journal_mode = DELETE');
      copy.prepare("UPDATE meta SET value = ? WHERE key = 'epoch'").run(epoch);
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
    } finally {
      copy.close();
    }
    renameSync(partial, target);
    return { pages: result.totalPages, epoch };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
}
