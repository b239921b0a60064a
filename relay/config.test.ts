import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_STATIC_DIR, helpText, parseConfig } from './config.ts';

describe('parseConfig', () => {
  it('has defaults that suit a local start', () => {
    expect(parseConfig([], {})).toEqual({
      port: 8787,
      host: '127.0.0.1',
      dataDir: resolve('data'),
      dbFile: resolve('data/kafky.sqlite'),
      staticDir: DEFAULT_STATIC_DIR,
      maxEventBytes: 64 * 1024,
      rebuild: false,
      help: false,
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
    ]) {
      expect(help).toMatch(new RegExp(`${flag} \\S+\\s+${env}\\s`));
    }
    expect(help).toMatch(/--rebuild\s+rebuild the read tables/);
  });
});
