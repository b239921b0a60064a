import { KafkyError } from '../../shared/index.ts';

/** Codes (SQLite's and the OS's) that mean "no room left", as opposed to any other failure. */
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC']);

/** A failure of the log's storage as a KafkyError: storage_full or storage_failed. */
export function storageError(error: unknown, what: string): KafkyError {
  if (error instanceof KafkyError) return error;
  const code = (error as { code?: unknown }).code;
  const full = typeof code === 'string' && FULL_CODES.has(code);
  const message = error instanceof Error ? error.message : String(error);
  return new KafkyError(
    full ? 'storage_full' : 'storage_failed',
    full ? `the relay's disk is full: ${what}: ${message}` : `${what}: ${message}`,
    { cause: error },
  );
}
