import { describe, expect, it, vi } from 'vitest';
import type { BusEvent } from '../api.ts';
import { EventBus } from './bus.ts';
import { messageEvent } from './test-helpers.ts';

describe('EventBus', () => {
  it('delivers each emit only to the subscribers of that emit', () => {
    const bus = new EventBus();
    const eager: BusEvent[] = [];
    const kafked: BusEvent[] = [];
    bus.subscribe('eager', (e) => void eager.push(e));
    bus.subscribe('kafked', (e) => void kafked.push(e));
    const event = messageEvent('hi');

    bus.emit('eager', [event]);
    expect(eager).toEqual([event]);
    expect(kafked).toEqual([]);

    bus.emit('kafked', [{ ...event, seq: 1, rts: 2 }]);
    expect(kafked).toEqual([{ ...event, seq: 1, rts: 2 }]);
    expect(eager).toHaveLength(1);
  });

  it('keeps delivering when a subscriber throws or rejects', async () => {
    const errors: unknown[] = [];
    const bus = new EventBus((error) => errors.push(error));
    const received: string[] = [];
    bus.subscribe('eager', () => {
      throw new Error('sync failure');
    });
    bus.subscribe('eager', () => Promise.reject(new Error('async failure')));
    bus.subscribe('eager', (e) => void received.push(e.id));
    const event = messageEvent('hi');
    bus.emit('eager', [event]);
    await vi.waitFor(() => expect(errors).toHaveLength(2));
    expect(received).toEqual([event.id]);
  });

  it('stops delivering after unsubscribe', () => {
    const bus = new EventBus();
    const handler = vi.fn();
    const unsubscribe = bus.subscribe('kafked', handler);
    unsubscribe();
    bus.emit('kafked', [messageEvent('x')]);
    expect(handler).not.toHaveBeenCalled();
    expect(bus.count('kafked')).toBe(0);
  });
});
