import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_EVENT_BYTES } from './sync/admission.ts';

/** The built site, next to this file's folder: where `npm run build` puts it. */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../dist', import.meta.url));

export interface RelayConfig {
  port: number;
  host: string;
  dataDir: string;
  dbFile: string;
  /** null: serve only the API and the socket. */
  staticDir: string | null;
  /** An event whose JSON is larger is refused with `event_too_large`. */
  maxEventBytes: number;
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
  maxEventBytes: {
    flag: '--max-event-bytes',
    env: 'KAFKY_MAX_EVENT_BYTES',
    value: 'N',
    fallback: String(DEFAULT_MAX_EVENT_BYTES),
    help: 'largest event (its JSON, in bytes) the relay stores; larger ones are refused',
  },
} satisfies Record<string, OptionSpec>;

type Name = keyof typeof OPTIONS;

export function helpText(): string {
  const rows = Object.values(OPTIONS).map(
    (o) =>
      `  ${`${o.flag} ${o.value}`.padEnd(21)} ${o.env.padEnd(21)} ${o.help} (default: ${o.fallback})`,
  );
  return [
    'Kafky relay: the canonical log, sync socket and static site of a Kafky chat.',
    '',
    'Usage: npm run relay -- [options]',
    '',
    `  ${'option'.padEnd(21)} ${'environment'.padEnd(21)} meaning`,
    ...rows,
    `  ${'--rebuild'.padEnd(21)} ${''.padEnd(21)} rebuild the read tables from the log (progress on stderr), then exit`,
    `  ${'--help'.padEnd(21)} ${''.padEnd(21)} print this and exit`,
    '',
    'A flag wins over its environment variable.',
  ].join('\n');
}

/** Reads flags and environment; throws a ConfigError that names the bad option. */
export function parseConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): RelayConfig & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        db: { type: 'string' },
        static: { type: 'string' },
        'max-event-bytes': { type: 'string' },
        rebuild: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\nRun with --help to see the options.`, {
      cause: error,
    });
  }
  const values = parsed.values;
  const pick = (name: Name): string | undefined => {
    const flag = name === 'maxEventBytes' ? values['max-event-bytes'] : values[name];
    const value = flag ?? env[OPTIONS[name].env];
    return value === '' ? undefined : value;
  };
  const label = (name: Name) => `${OPTIONS[name].flag} / ${OPTIONS[name].env}`;

  const portText = pick('port') ?? OPTIONS.port.fallback;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new ConfigError(`${label('port')}: "${portText}" is not a port number (0 to 65535)`);
  }
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
  const maxText = pick('maxEventBytes') ?? OPTIONS.maxEventBytes.fallback;
  const maxEventBytes = Number(maxText);
  if (!/^\d+$/.test(maxText) || !Number.isSafeInteger(maxEventBytes) || maxEventBytes === 0) {
    throw new ConfigError(
      `${label('maxEventBytes')}: "${maxText}" is not a number of bytes greater than 0`,
    );
  }
  return {
    port,
    host,
    dataDir,
    dbFile,
    staticDir,
    maxEventBytes,
    rebuild: values.rebuild ?? false,
    help: values.help ?? false,
  };
}
