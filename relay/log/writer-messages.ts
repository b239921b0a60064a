import type { AnyEvent, ErrorCode } from '../../shared/index.ts';
import type { AppendResult, IdempotencyKeys } from './event-log.ts';

/** A KafkyError as it crosses threads (a clone keeps neither its class nor its code). */
export interface WriterError {
  code: ErrorCode;
  message: string;
  /** SQLite's or the OS's code for the underlying failure, e.g. SQLITE_FULL. */
  causeCode?: string;
  causeMessage?: string;
}

export type ToWriter =
  | { type: 'open'; file: string }
  | { type: 'append'; id: number; events: readonly AnyEvent[]; now: number; keys?: IdempotencyKeys }
  | { type: 'close' };

export type FromWriter =
  | { type: 'ready'; epoch: string; rebuiltOnOpen: boolean }
  | { type: 'failed'; error: WriterError }
  | { type: 'rebuilding'; done: number; total: number }
  /** Appends committed together in one transaction: each one's results, by its id. */
  | { type: 'appended'; answers: { id: number; results: AppendResult[] }[] }
  | { type: 'append-failed'; ids: number[]; error: WriterError };
