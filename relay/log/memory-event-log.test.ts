import { describe, expect, it } from 'vitest';
import { describeEventLog, event } from './event-log.contract.ts';
import { MemoryEventLog } from './memory-event-log.ts';

describeEventLog('memory', () => new MemoryEventLog());

describe('MemoryEventLog', () => {
  it('refuses to be used once closed, as a storage failure', async () => {
    const log = new MemoryEventLog();
    await log.close();
    await expect(log.append([event()], 1)).rejects.toMatchObject({ code: 'storage_failed' });
  });
});
