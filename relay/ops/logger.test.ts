import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryEventLog } from '../log/memory-event-log.ts';
import { Hub } from '../sync/hub.ts';
import type { RelaySocket } from '../sync/socket.ts';
import { createLogger } from './logger.ts';

function captured(level: Parameters<typeof createLogger>[0]) {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  return { logger: createLogger(level, stream), lines };
}

const socket = (): RelaySocket => ({ bufferedAmount: 0, send() {}, close() {} });

describe('the relay logger', () => {
  it('writes JSON lines, each about a connection with its id', async () => {
    const { logger, lines } = captured('debug');
    const hub = new Hub({ log: new MemoryEventLog(), logger, limits: { maxBufferedBytes: 65536 } });
    const slow = { ...socket(), bufferedAmount: 100_000 };
    const connection = hub.attach(slow, '203.0.113.7');
    connection.send({ type: 'caught-up', room: 'lobby' as never, head: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [20, 'relay: connection opened'],
      [40, 'relay: closing a slow consumer'],
      [20, 'relay: connection closed'],
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({ connection: connection.id, service: 'kafky-relay' });
      expect(typeof line.time).toBe('number');
    }
    expect(lines[0]).toMatchObject({ address: '203.0.113.7' });
  });

  it('writes nothing below its level', async () => {
    const { logger, lines } = captured('warn');
    const hub = new Hub({ log: new MemoryEventLog(), logger });
    hub.attach(socket()).closed();
    logger.info('relay: a detail');
    logger.warn('relay: a warning', { connection: 'c1' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => l.msg)).toEqual(['relay: a warning']);
  });
});
