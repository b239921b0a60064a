import { pino, type Logger } from 'pino';
import type { RelayLogger } from '../sync/socket.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The relay's logger: one JSON object per line on stdout (pino), with `msg`, `level`,
 * `time` and the details as fields, so a line about a connection carries its
 * `connection` id and can be filtered on it.
 */
export function createLogger(
  level: LogLevel = 'info',
  destination?: NodeJS.WritableStream,
): RelayLogger & { pino: Logger } {
  const logger = pino(
    { level, base: { service: 'kafky-relay' } },
    // Synchronous: lines written just before a shutdown's exit must not be lost.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return fromPino(logger);
}

/** The relay's logging calls, `(message, details)`, on a pino logger. */
export function fromPino(logger: Logger): RelayLogger & { pino: Logger } {
  return {
    pino: logger,
    debug: (message, details) => logger.debug(details ?? {}, message),
    info: (message, details) => logger.info(details ?? {}, message),
    warn: (message, details) => logger.warn(details ?? {}, message),
    error: (message, details) => logger.error(details ?? {}, message),
  };
}
