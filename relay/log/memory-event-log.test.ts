import { describeEventLog } from './event-log.contract.ts';
import { MemoryEventLog } from './memory-event-log.ts';

describeEventLog('memory', () => new MemoryEventLog());
