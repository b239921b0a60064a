import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../shared/index.ts';
import { createApp } from './app.ts';
import { SqliteEventLog } from './log/sqlite-event-log.ts';
import { ReadQueries } from './read/queries.ts';
import { Hub } from './sync/hub.ts';
import { silentLogger } from './sync/socket.ts';

function app(staticDir: string | null = null) {
  const log = new SqliteEventLog(':memory:');
  const hub = new Hub({ log, logger: silentLogger });
  return { hub, app: createApp({ hub, queries: new ReadQueries(log.database), staticDir }) };
}

function site(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kafky-site-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Kafky</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  return dir;
}

describe('the relay app', () => {
  it('reports its health with the log epoch and protocol', async () => {
    const { hub, app: relay } = app();
    const response = await relay.request('/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      protocol: PROTOCOL_VERSION,
      epoch: hub.log.epoch,
      connections: 0,
    });
  });

  it('answers an unknown API path with a JSON 404', async () => {
    const response = await app().app.request('/api/nothing-here', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      code: 'not_found',
      message: 'no such endpoint: POST /api/nothing-here',
    });
  });

  it('serves the site: hashed assets cached for good, pages revalidated, unknown pages get the app', async () => {
    const { app: relay } = app(site());
    const asset = await relay.request('/assets/index-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');

    const index = await relay.request('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<title>Kafky</title>');

    const deep = await relay.request('/rooms/lobby');
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<title>Kafky</title>');
  });

  it('says so when the site is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kafky-empty-'));
    const response = await app(empty).app.request('/');
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/npm run build/);
  });

  it('does not serve the site when told not to', async () => {
    expect((await app(null).app.request('/')).status).toBe(404);
  });
});
