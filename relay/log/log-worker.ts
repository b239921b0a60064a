/**
 * The log's writer thread: it owns the SQLite connection that appends (and projects the
 * read side in the same transaction), so the fsync of each group commit blocks this
 * thread, never the relay's sockets. Started by writer-thread.ts; ThreadedEventLog tells
 * it which log to open, and it answers.
 */
import { parentPort } from 'node:worker_threads';
import { SqliteEventLog } from './sqlite-event-log.ts';
import { storageError } from './storage-error.ts';
import type { FromWriter, ToWriter, WriterError } from './writer-messages.ts';

const port = parentPort!;
const post = (message: FromWriter) => port.postMessage(message);

function describe(error: unknown, what: string): WriterError {
  const failure = storageError(error, what);
  const cause = failure.cause as { code?: unknown; message?: unknown } | undefined;
  return {
    code: failure.code,
    message: failure.message,
    ...(typeof cause?.code === 'string' ? { causeCode: cause.code } : {}),
    ...(typeof cause?.message === 'string' ? { causeMessage: cause.message } : {}),
  };
}

function open(file: string): SqliteEventLog | undefined {
  try {
    return new SqliteEventLog(file, {
      onRebuild: (done, total) => post({ type: 'rebuilding', done, total }),
    });
  } catch (error) {
    post({ type: 'failed', error: describe(error, `could not open ${file}`) });
    return undefined;
  }
}

// Started ahead of time, the thread loads this code, then waits to be told which log to open.
let log: SqliteEventLog | undefined;
port.on('message', (message: ToWriter) => {
  if (message.type === 'open') {
    log = open(message.file);
    if (log) post({ type: 'ready', epoch: log.epoch, rebuiltOnOpen: log.rebuiltOnOpen });
    return;
  }
  if (message.type === 'close') {
    void log?.close();
    port.close();
    return;
  }
  const { id, events, now, keys } = message;
  try {
    if (!log) throw new Error('no log is open');
    post({ type: 'appended', id, results: log.appendNow(events, now, keys) });
  } catch (error) {
    post({ type: 'append-failed', id, error: describe(error, 'could not store events') });
  }
});
