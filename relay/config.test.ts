import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_STATIC_DIR, helpText, parseConfig } from './config.ts';
import { DEFAULT_LIMITS } from './ops/limits.ts';

describe('parseConfig', () => {
  it('has defaults that suit a local start', () => {
    expect(parseConfig([], {})).toEqual({
      port: 8787,
      host: '127.0.0.1',
      dataDir: resolve('data'),
      dbFile: resolve('data/kafky.sqlite'),
      staticDir: DEFAULT_STATIC_DIR,
      ...DEFAULT_LIMITS,
      maxEventBytes: 64 * 1024,
      allowedOrigins: [],
      logLevel: 'info',
      logThread: 'auto',
      rebuild: false,
      help: false,
      backupTo: null,
    });
  });

  it('reads the environment, and a flag wins over it', () => {
    const env = { PORT: '9000', HOST: '0.0.0.0', KAFKY_DATA: '/srv/kafky' };
    expect(parseConfig([], env)).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      dbFile: '/srv/kafky/kafky.sqlite',
    });
    expect(parseConfig(['--port', '9100', '--db', '/tmp/x.sqlite'], env)).toMatchObject({
      port: 9100,
      dbFile: '/tmp/x.sqlite',
    });
  });

  it('turns static serving off with "none" and accepts an existing directory', () => {
    expect(parseConfig(['--static', 'none'], {}).staticDir).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'kafky-static-'));
    expect(parseConfig([], { KAFKY_STATIC: dir }).staticDir).toBe(dir);
  });

  it.each([
    [['--port', 'abc'], {}, /--port \/ PORT: "abc" is not a port number/],
    [[], { PORT: '70000' }, /--port \/ PORT: "70000"/],
    [
      ['--static', '/no/such/dir'],
      {},
      /--static \/ KAFKY_STATIC: "\/no\/such\/dir" is not a directory/,
    ],
    [['--prot', '1'], {}, /--prot/],
    [['--max-event-bytes', '0'], {}, /--max-event-bytes \/ KAFKY_MAX_EVENT_BYTES: "0" is not/],
    [[], { KAFKY_MAX_EVENT_BYTES: '2k' }, /--max-event-bytes \/ KAFKY_MAX_EVENT_BYTES: "2k"/],
    [[], { KAFKY_MAX_EVENT_BYTES: '-5' }, /KAFKY_MAX_EVENT_BYTES: "-5"/],
    [
      ['--max-push-events', '101'],
      {},
      /--max-push-events \/ KAFKY_MAX_PUSH_EVENTS: "101".*1 to 100/,
    ],
    [['--max-frame-bytes', '10'], {}, /--max-frame-bytes \/ KAFKY_MAX_FRAME_BYTES: "10"/],
    [[], { KAFKY_EVENTS_PER_SECOND: 'fast' }, /--events-per-second \/ KAFKY_EVENTS_PER_SECOND/],
    [['--event-burst', '50'], {}, /--event-burst \/ KAFKY_EVENT_BURST: "50".*at least 100/],
    [[], { KAFKY_MAX_ROOMS_PER_CONNECTION: '0' }, /--max-rooms-per-connection/],
    [[], { KAFKY_MAX_BUFFERED_BYTES: '1000' }, /--max-buffered-bytes \/ KAFKY_MAX_BUFFERED_BYTES/],
    [
      ['--allowed-origins', 'example.org'],
      {},
      /--allowed-origins \/ KAFKY_ALLOWED_ORIGINS: "example.org"/,
    ],
    [['--log-level', 'loud'], {}, /--log-level \/ KAFKY_LOG_LEVEL: "loud" is not one of/],
    [[], { KAFKY_LOG_THREAD: 'maybe' }, /--log-thread \/ KAFKY_LOG_THREAD: "maybe" is not one of/],
    [['restore', 'x'], {}, /the one command is "backup FILE"/],
    [['backup'], {}, /the one command is "backup FILE"/],
  ])('refuses %j %j naming the option', (argv, env, message) => {
    expect(() => parseConfig(argv, env)).toThrow(ConfigError);
    expect(() => parseConfig(argv, env)).toThrow(message);
  });

  it('takes the event size limit from the environment or a flag, and --rebuild', () => {
    expect(parseConfig([], { KAFKY_MAX_EVENT_BYTES: '2048' }).maxEventBytes).toBe(2048);
    const flags = parseConfig(['--max-event-bytes', '1000', '--rebuild'], {
      KAFKY_MAX_EVENT_BYTES: '2048',
    });
    expect(flags).toMatchObject({ maxEventBytes: 1000, rebuild: true });
  });

  it('reads the limits, origins and log level, where 0 turns a limit off', () => {
    const config = parseConfig(
      [
        ...['--max-push-events', '20', '--event-burst', '20', '--events-per-second', '0'],
        ...['--allowed-origins', 'https://a.example,https://b.example', '--log-level', 'debug'],
      ],
      { KAFKY_MAX_CONNECTIONS_PER_ADDRESS: '0', KAFKY_MAX_BUFFERED_BYTES: '65536' },
    );
    expect(config).toMatchObject({
      maxPushEvents: 20,
      eventBurst: 20,
      eventsPerSecond: 0,
      maxConnectionsPerAddress: 0,
      maxBufferedBytes: 65536,
      allowedOrigins: ['https://a.example', 'https://b.example'],
      logLevel: 'debug',
    });
  });

  it('reads "backup FILE" as the backup command, with the database from the options', () => {
    expect(parseConfig(['backup', 'copy.sqlite', '--db', '/srv/k.sqlite'], {})).toMatchObject({
      backupTo: resolve('copy.sqlite'),
      dbFile: '/srv/k.sqlite',
    });
  });

  it('lists every option with its environment variable in --help', () => {
    expect(parseConfig(['--help'], {}).help).toBe(true);
    const help = helpText();
    for (const [flag, env] of [
      ['--port', 'PORT'],
      ['--host', 'HOST'],
      ['--data', 'KAFKY_DATA'],
      ['--db', 'KAFKY_DB'],
      ['--static', 'KAFKY_STATIC'],
      ['--max-event-bytes', 'KAFKY_MAX_EVENT_BYTES'],
      ['--max-frame-bytes', 'KAFKY_MAX_FRAME_BYTES'],
      ['--max-push-events', 'KAFKY_MAX_PUSH_EVENTS'],
      ['--max-rooms-per-connection', 'KAFKY_MAX_ROOMS_PER_CONNECTION'],
      ['--max-connections-per-address', 'KAFKY_MAX_CONNECTIONS_PER_ADDRESS'],
      ['--events-per-second', 'KAFKY_EVENTS_PER_SECOND'],
      ['--event-burst', 'KAFKY_EVENT_BURST'],
      ['--max-buffered-bytes', 'KAFKY_MAX_BUFFERED_BYTES'],
      ['--allowed-origins', 'KAFKY_ALLOWED_ORIGINS'],
      ['--log-level', 'KAFKY_LOG_LEVEL'],
      ['--log-thread', 'KAFKY_LOG_THREAD'],
    ]) {
      expect(help).toMatch(new RegExp(`${flag} \\S+\\s+${env}\\s`));
    }
    expect(help).toMatch(/--rebuild\s+rebuild the read tables/);
  });
});
