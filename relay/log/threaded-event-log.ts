import Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { KafkyError, type AnyEvent, type RoomId, type SequencedEvent } from '../../shared/index.ts';
import type { AppendResult, EventLog, IdempotencyKeys, ReadLimits } from './event-log.ts';
import { LogReader } from './log-reader.ts';
import type { SqliteEventLogOptions } from './sqlite-event-log.ts';
import { storageError } from './storage-error.ts';
import type { FromWriter, ToWriter, WriterError } from './writer-messages.ts';
import { takeWriter } from './writer-thread.ts';

export interface ThreadedEventLogOptions extends SqliteEventLogOptions {
  /**
   * Called once if the writer thread dies: every append waiting on it has been rejected
   * (none of them acknowledged), and every later one is. Nothing can be stored any more,
   * so the owner must stop loudly, not run on without a log.
   */
  onFailure: (error: KafkyError) => void;
}

interface Waiting {
  resolve: (results: AppendResult[]) => void;
  reject: (error: KafkyError) => void;
}

/**
 * The SQLite log with its writes on a thread of their own (`log-worker.ts`): an append
 * is sent there and resolves once that thread has committed it (synchronous=FULL), so
 * the relay's thread goes on reading, checking, acknowledging and forwarding while the
 * disk syncs. Reads (catch-up pages, heads, the REST queries through `database`) use a
 * read-only connection on the caller's thread: WAL lets it see every committed
 * transaction without waiting for the writer.
 */
export class ThreadedEventLog implements EventLog {
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private failure: KafkyError | undefined;
  private closing: Promise<void> | undefined;
  private readonly reader: LogReader;

  private constructor(
    readonly file: string,
    readonly epoch: string,
    /** Whether opening rebuilt the read side (it was missing or of another version). */
    readonly rebuiltOnOpen: boolean,
    private readonly worker: Worker,
    private readonly db: Database.Database,
    private readonly onFailure: (error: KafkyError) => void,
  ) {
    this.reader = new LogReader(db);
    worker.on('message', (message: FromWriter) => this.settle(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`it exited with code ${code}`));
      else this.rejectWaiting(new KafkyError('storage_failed', 'the log was closed'));
    });
  }

  /** Starts the writer thread, which opens (and if need be creates) the log. */
  static async open(file: string, options: ThreadedEventLogOptions): Promise<ThreadedEventLog> {
    if (file === ':memory:') throw new KafkyError('storage_failed', 'a threaded log needs a file');
    const worker = takeWriter();
    let onMessage: (message: FromWriter) => void = () => {};
    let onError: (error: unknown) => void = () => {};
    const onExit = (code: number) =>
      onError(new Error(`its writer thread exited with code ${code}`));
    const opened = await new Promise<Extract<FromWriter, { type: 'ready' }>>((resolve, reject) => {
      onError = (error) => reject(storageError(error, `could not open ${file}`));
      onMessage = (message) => {
        if (message.type === 'rebuilding') options.onRebuild?.(message.done, message.total);
        else if (message.type === 'failed') reject(fromWriter(message.error));
        else if (message.type === 'ready') resolve(message);
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage({ type: 'open', file } satisfies ToWriter);
    })
      .finally(() => {
        // Only these: the Worker has listeners of its own that keep its messages coming.
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      })
      .catch(async (error: unknown) => {
        await worker.terminate();
        throw error;
      });
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
    } catch (error) {
      await worker.terminate();
      throw storageError(error, `could not open ${file} for reading`);
    }
    return new ThreadedEventLog(
      file,
      opened.epoch,
      opened.rebuiltOnOpen,
      worker,
      db,
      options.onFailure,
    );
  }

  append(
    events: readonly AnyEvent[],
    now: number,
    keys?: IdempotencyKeys,
  ): Promise<AppendResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new KafkyError('storage_failed', 'the log is closed'));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      try {
        this.post({ type: 'append', id, events, now, ...(keys ? { keys } : {}) });
      } catch (error) {
        reject(storageError(error, 'could not store events'));
        return;
      }
      this.waiting.set(id, { resolve, reject });
    });
  }

  read(room: RoomId, after: number, limits: ReadLimits): Promise<SequencedEvent[]> {
    return this.reader.read(room, after, limits);
  }

  head(room: RoomId): Promise<number> {
    return this.reader.head(room);
  }

  /** Waits for the appends already sent, then stops the writer and closes the file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Closed first, so that the writer, the last connection, checkpoints and removes the WAL.
      if (this.db.open) this.db.close();
      if (this.failure) return;
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      // Messages are handled in order: the appends sent before this one are answered first.
      this.post({ type: 'close' });
      await exited;
    })();
    return this.closing;
  }

  /**
   * A read-only connection to the log's file, for the read side's queries. Only this
   * log's writer thread writes to the file.
   */
  get database(): Database.Database {
    return this.db;
  }

  /** The database's own consistency check: 'ok' when sound. For tests and operators. */
  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  /** Stops the writer thread as a crash would, for tests of what follows. */
  async crashWriter(): Promise<void> {
    await this.worker.terminate();
  }

  private post(message: ToWriter): void {
    this.worker.postMessage(message);
  }

  private settle(message: FromWriter): void {
    if (message.type === 'appended') {
      for (const { id, results } of message.answers) this.take(id)?.resolve(results);
    } else if (message.type === 'append-failed') {
      const error = fromWriter(message.error);
      for (const id of message.ids) this.take(id)?.reject(error);
    }
  }

  private take(id: number): Waiting | undefined {
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    return waiting;
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    const message = error instanceof Error ? error.message : String(error);
    this.failure = new KafkyError('storage_failed', `the log's writer thread failed: ${message}`, {
      cause: error,
    });
    // Not one of these is on disk for sure: none is acknowledged, and each sender pushes
    // it again (a copy that did commit is then answered as a duplicate).
    this.rejectWaiting(this.failure);
    this.onFailure(this.failure);
  }

  private rejectWaiting(error: KafkyError): void {
    for (const { reject } of this.waiting.values()) reject(error);
    this.waiting.clear();
  }
}

function fromWriter({ code, message, causeCode, causeMessage }: WriterError): KafkyError {
  const cause = causeCode || causeMessage ? { code: causeCode, message: causeMessage } : undefined;
  return new KafkyError(code, message, cause ? { cause } : undefined);
}
