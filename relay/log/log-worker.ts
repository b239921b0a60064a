/**
 * The log's writer thread: it owns the SQLite connection that appends (and projects the
 * read side in the same transaction), so the fsync of each group commit blocks this
 * thread, never the relay's sockets. Started by writer-thread.ts; ThreadedEventLog tells
 * it which log to open, and it answers.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import type { EventId } from '../../shared/index.ts';
import { SqliteEventLog } from './sqlite-event-log.ts';
import { storageError } from './storage-error.ts';
import type { FromWriter, ToWriter, WriterError } from './writer-messages.ts';

type Append = Extract<ToWriter, { type: 'append' }>;

const port = parentPort!;
// Started ahead of time, the thread loads this code, then waits to be told which log to open.
let log: SqliteEventLog | undefined;
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
    // Only the relay's hub appends here, and it admits every event before it does.
    return new SqliteEventLog(file, {
      admitted: true,
      onRebuild: (done, total) => post({ type: 'rebuilding', done, total }),
    });
  } catch (error) {
    post({ type: 'failed', error: describe(error, `could not open ${file}`) });
    return undefined;
  }
}

/**
 * Commits appends in one transaction, so one fsync makes them all durable, and answers
 * each. Everything queued while the last commit was being written goes into the next:
 * the group commit grows with the load, and the thread never waits for the relay's
 * thread to hear of a commit before starting the next.
 */
function commit(appends: Append[]): void {
  const ids = appends.map((append) => append.id);
  try {
    if (!log) throw new Error('no log is open');
    let { events, now, keys } = appends[0]!;
    if (appends.length > 1) {
      events = appends.flatMap((append) => append.events);
      // The relay's clock when the last of them was sent: the time they are stored.
      now = Math.max(...appends.map((append) => append.now));
      const keyed = appends.flatMap((append) => [...(append.keys ?? [])]);
      keys = keyed.length > 0 ? new Map<EventId, string>(keyed) : undefined;
    }
    const results = log.appendNow(events, now, keys);
    let offset = 0;
    post({
      type: 'appended',
      answers: appends.map(({ id, events: some }) => {
        offset += some.length;
        return { id, results: results.slice(offset - some.length, offset) };
      }),
    });
  } catch (error) {
    post({ type: 'append-failed', ids, error: describe(error, 'could not store events') });
  }
}

function handle(message: ToWriter): void {
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
  // Takes the appends queued behind this one too; messages keep their order.
  const appends = [message];
  let next: ToWriter | undefined;
  for (;;) {
    next = (receiveMessageOnPort(port)?.message as ToWriter | undefined) ?? undefined;
    if (next?.type !== 'append') break;
    appends.push(next);
  }
  commit(appends);
  if (next) handle(next);
}

port.on('message', handle);
