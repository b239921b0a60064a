import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LIMITS } from '../shared/index.ts';
import { DEFAULT_LIMITS, type RelayLimits } from './ops/limits.ts';
import { LOG_THREAD_MODES, type LogThreadMode } from './log/log-thread-mode.ts';
import { LOG_LEVELS, type LogLevel } from './ops/logger.ts';
import { parseOrigins } from './ops/origin.ts';

/** The built site, next to this file's folder: where `npm run build` puts it. */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../dist', import.meta.url));

export interface RelayConfig extends RelayLimits {
  port: number;
  host: string;
  dataDir: string;
  dbFile: string;
  /** null: serve only the API and the socket. */
  staticDir: string | null;
  /** Origins whose pages may open a socket; empty: the relay's own. See ops/origin.ts. */
  allowedOrigins: string[];
  logLevel: LogLevel;
  /** Where the log commits: see log/log-thread-mode.ts. */
  logThread: LogThreadMode;
  /** Rebuild the read side from the log, then exit. */
  rebuild: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'bad_config';
}

interface OptionSpec {
  flag: string;
  env: string;
  value: string;
  fallback: string;
  help: string;
}

const OPTIONS = {
  port: {
    flag: '--port',
    env: 'PORT',
    value: 'N',
    fallback: '8787',
    help: 'port for HTTP and the WebSocket; 0 picks a free one',
  },
  host: {
    flag: '--host',
    env: 'HOST',
    value: 'ADDR',
    fallback: '127.0.0.1',
    help: 'address to listen on; 0.0.0.0 for every interface',
  },
  data: {
    flag: '--data',
    env: 'KAFKY_DATA',
    value: 'DIR',
    fallback: './data',
    help: 'data directory, created when missing',
  },
  db: {
    flag: '--db',
    env: 'KAFKY_DB',
    value: 'FILE',
    fallback: '<data>/kafky.sqlite',
    help: 'the SQLite database file',
  },
  static: {
    flag: '--static',
    env: 'KAFKY_STATIC',
    value: 'DIR',
    fallback: 'dist/',
    help: "the built site to serve; 'none' to serve only the API",
  },
  maxFrameBytes: {
    flag: '--max-frame-bytes',
    env: 'KAFKY_MAX_FRAME_BYTES',
    value: 'N',
    fallback: String(DEFAULT_LIMITS.maxFrameBytes),
    help: 'largest frame a client may send; larger ones are refused (frame_too_large)',
  },
  maxEventBytes: {
    flag: '--max-event-bytes',
    env: 'KAFKY_MAX_EVENT_BYTES',
    value: 'N',
    fallback: String(DEFAULT_LIMITS.maxEventBytes),
    help: 'largest event (its JSON, in bytes) the relay stores; larger ones are refused',
  },
  maxPushEvents: {
    flag: '--max-push-events',
    env: 'KAFKY_MAX_PUSH_EVENTS',
    value: 'N',
    fallback: String(DEFAULT_LIMITS.maxPushEvents),
    help: 'events in one push, 1 to 100; a larger push is refused whole (push_too_large)',
  },
  maxRoomsPerConnection: {
    flag: '--max-rooms-per-connection',
    env: 'KAFKY_MAX_ROOMS_PER_CONNECTION',
    value: 'N',
    fallback: String(DEFAULT_LIMITS.maxRoomsPerConnection),
    help: 'rooms one connection may follow at once (too_many_rooms)',
  },
  maxConnectionsPerAddress: {
    flag: '--max-connections-per-address',
    env: 'KAFKY_MAX_CONNECTIONS_PER_ADDRESS',
    value: 'N',
    fallback: String(DEFAULT_LIMITS.maxConnectionsPerAddress),
    help: 'open sockets from one IP address, more are refused with 429; 0: no limit',
  },
  eventsPerSecond: {
    flag: '--events-per-second',
    env: 'KAFKY_EVENTS_PER_SECOND',
    value: 'N',
    fallback: String(DEFAULT_LIMITS.eventsPerSecond),
    help: 'events one device may push per second, on average (rate_limited); 0: no limit',
  },
  eventBurst: {
    flag: '--event-burst',
    env: 'KAFKY_EVENT_BURST',
    value: 'N',
    fallback: String(DEFAULT_LIMITS.eventBurst),
    help: 'events one device may push at once before the rate applies; at least --max-push-events',
  },
  maxBufferedBytes: {
    flag: '--max-buffered-bytes',
    env: 'KAFKY_MAX_BUFFERED_BYTES',
    value: 'N',
    fallback: String(DEFAULT_LIMITS.maxBufferedBytes),
    help: 'unsent bytes a socket may queue before it is closed as a slow consumer (4008)',
  },
  allowedOrigins: {
    flag: '--allowed-origins',
    env: 'KAFKY_ALLOWED_ORIGINS',
    value: 'LIST',
    fallback: "the relay's own",
    help: "comma-separated origins whose pages may open a socket; '*' for any",
  },
  logLevel: {
    flag: '--log-level',
    env: 'KAFKY_LOG_LEVEL',
    value: 'LEVEL',
    fallback: 'info',
    help: `${LOG_LEVELS.join(', ')}`,
  },
  logThread: {
    flag: '--log-thread',
    env: 'KAFKY_LOG_THREAD',
    value: 'MODE',
    fallback: 'auto',
    help: "commit the log on a writer thread ('on'), on the relay's thread ('off'), or 'on' only with 3 or more cores ('auto')",
  },
} satisfies Record<string, OptionSpec>;

type Name = keyof typeof OPTIONS;

const WIDTH = 34;

export function helpText(): string {
  const row = (left: string, env: string, help: string) =>
    `  ${left.padEnd(WIDTH)} ${env.padEnd(WIDTH)} ${help}`;
  const rows = Object.values(OPTIONS).map((o) =>
    row(`${o.flag} ${o.value}`, o.env, `${o.help} (default: ${o.fallback})`),
  );
  return [
    'Kafky relay: the canonical log, sync socket and static site of a Kafky chat.',
    '',
    'Usage: npm run relay -- [options]',
    '       npm run relay -- backup FILE [--db FILE | --data DIR]',
    '',
    row('option', 'environment', 'meaning'),
    ...rows,
    row('--rebuild', '', 'rebuild the read tables from the log (progress on stderr), then exit'),
    row('--help', '', 'print this and exit'),
    '',
    'backup FILE copies the database to FILE, consistently, while the relay may be running.',
    'A flag wins over its environment variable.',
  ].join('\n');
}

/** The command line's kebab-case flag for an option. */
function flagKey(name: Name): string {
  return OPTIONS[name].flag.slice(2);
}

/** Reads flags and environment; throws a ConfigError that names the bad option. */
export function parseConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): RelayConfig & { help: boolean; backupTo: string | null } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        ...Object.fromEntries(
          (Object.keys(OPTIONS) as Name[]).map((name) => [flagKey(name), { type: 'string' }]),
        ),
        rebuild: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\nRun with --help to see the options.`, {
      cause: error,
    });
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const pick = (name: Name): string | undefined => {
    const flag = values[flagKey(name)];
    const value = (typeof flag === 'string' ? flag : undefined) ?? env[OPTIONS[name].env];
    return value === '' ? undefined : value;
  };
  const label = (name: Name) => `${OPTIONS[name].flag} / ${OPTIONS[name].env}`;
  const integer = (name: Name, min: number, max = Number.MAX_SAFE_INTEGER, unit = 'a number') => {
    const text = pick(name) ?? OPTIONS[name].fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min} to ${max}`;
      throw new ConfigError(`${label(name)}: "${text}" is not ${unit} (${range})`);
    }
    return value;
  };

  let backupTo: string | null = null;
  const [command, ...rest] = parsed.positionals;
  if (command !== undefined) {
    if (command !== 'backup' || rest.length !== 1) {
      throw new ConfigError(
        `unexpected "${parsed.positionals.join(' ')}": the one command is "backup FILE"\nRun with --help to see the options.`,
      );
    }
    backupTo = resolve(rest[0]!);
  }

  const port = integer('port', 0, 65535, 'a port number');
  const host = pick('host') ?? OPTIONS.host.fallback;
  const dataDir = resolve(pick('data') ?? OPTIONS.data.fallback);
  const dbFile = resolve(pick('db') ?? join(dataDir, 'kafky.sqlite'));

  const staticText = pick('static');
  let staticDir: string | null = DEFAULT_STATIC_DIR;
  if (staticText === 'none') staticDir = null;
  else if (staticText !== undefined) {
    staticDir = resolve(staticText);
    if (!existsSync(staticDir) || !statSync(staticDir).isDirectory()) {
      throw new ConfigError(`${label('static')}: "${staticText}" is not a directory`);
    }
  }
  const bytes = 'a number of bytes';
  const maxPushEvents = integer('maxPushEvents', 1, LIMITS.pushBatchMax);
  const limits: RelayLimits = {
    maxFrameBytes: integer('maxFrameBytes', 1024, LIMITS.frameBytesMax * 4, bytes),
    maxEventBytes: integer('maxEventBytes', 1, Number.MAX_SAFE_INTEGER, bytes),
    maxPushEvents,
    maxRoomsPerConnection: integer('maxRoomsPerConnection', 1),
    maxConnectionsPerAddress: integer('maxConnectionsPerAddress', 0),
    eventsPerSecond: integer('eventsPerSecond', 0),
    // A burst smaller than a push could never let that push through.
    eventBurst: integer('eventBurst', maxPushEvents),
    maxBufferedBytes: integer('maxBufferedBytes', 64 * 1024, Number.MAX_SAFE_INTEGER, bytes),
  };

  let allowedOrigins: string[];
  try {
    allowedOrigins = parseOrigins(pick('allowedOrigins') ?? '');
  } catch (error) {
    throw new ConfigError(`${label('allowedOrigins')}: ${(error as Error).message}`);
  }
  const logLevel = (pick('logLevel') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `${label('logLevel')}: "${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  const logThread = (pick('logThread') ?? 'auto') as LogThreadMode;
  if (!LOG_THREAD_MODES.includes(logThread)) {
    throw new ConfigError(
      `${label('logThread')}: "${logThread}" is not one of ${LOG_THREAD_MODES.join(', ')}`,
    );
  }
  return {
    port,
    host,
    dataDir,
    dbFile,
    staticDir,
    ...limits,
    allowedOrigins,
    logLevel,
    logThread,
    rebuild: values.rebuild === true,
    help: values.help === true,
    backupTo,
  };
}
