import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BusEvent, ConnectionStatus } from '../api.ts';
import { BrowserChannel, type StatusSource } from './browser-channel.ts';
import { EventBus } from './bus.ts';
import { messageEvent } from './test-helpers.ts';

let opened: BrowserChannel[] = [];
let names = 0;
let name = '';

/** A core's bus joined to the others over a real (Node) BroadcastChannel. */
function join() {
  const bus = new EventBus();
  const seen: [string, BusEvent][] = [];
  bus.subscribe('eager', (e) => void seen.push(['eager', e]));
  bus.subscribe('kafked', (e) => void seen.push(['kafked', e]));
  const channel = new BrowserChannel(new BroadcastChannel(name), bus);
  opened.push(channel);
  return { bus, seen, channel };
}

class FakeSocketOwner implements StatusSource {
  status: ConnectionStatus = 'connecting';
  private readonly listeners = new Set<(s: ConnectionStatus) => void>();
  onStatus(listener: (s: ConnectionStatus) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(status: ConnectionStatus) {
    this.status = status;
    for (const listener of this.listeners) listener(status);
  }
}

describe('BrowserChannel', () => {
  afterEach(() => {
    for (const channel of opened) channel.close();
    opened = [];
  });

  it('makes the buses of all cores one: each emit reaches every core once', async () => {
    name = `kafky-test-${++names}`;
    const a = join();
    const b = join();
    const c = join();
    const event = messageEvent('hi');
    a.bus.emit('eager', [event]);
    b.bus.emit('kafked', [{ ...event, seq: 1, rts: 2 }]);
    await vi.waitFor(() => {
      // b emitted its own at once, before a's arrived.
      expect(b.seen.map(([emit]) => emit)).toEqual(['kafked', 'eager']);
      expect(c.seen.map(([emit]) => emit)).toEqual(['eager', 'kafked']);
    });
    expect(c.seen[0]?.[1]).toEqual(event);
    expect(c.seen[1]?.[1]).toMatchObject({ id: event.id, seq: 1 });
    // Give any echo time to arrive: none may, or the emits would loop for ever.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.seen.map(([emit]) => emit)).toEqual(['eager', 'kafked']);
    expect(b.seen).toHaveLength(2);
  });

  it("mirrors the leader's connection status to the followers, also to late ones", async () => {
    name = `kafky-test-${++names}`;
    const leader = join();
    const early = join();
    const socket = new FakeSocketOwner();
    leader.channel.lead(socket);
    socket.set('online');
    expect(leader.channel.status).toBe('online');
    await vi.waitFor(() => expect(early.channel.status).toBe('online'));

    const late = join();
    const changes: ConnectionStatus[] = [];
    late.channel.onStatus((s) => changes.push(s));
    await vi.waitFor(() => expect(late.channel.status).toBe('online'));
    socket.set('offline');
    await vi.waitFor(() => expect(changes).toEqual(['online', 'offline']));
    expect(early.channel.status).toBe('offline');
  });

  it('ignores a malformed message from another tab', async () => {
    name = `kafky-test-${++names}`;
    const a = join();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const stranger = new BroadcastChannel(name);
    stranger.postMessage(null);
    stranger.postMessage({ kind: 'bus', emit: 'nonsense', event: {} });
    stranger.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.seen).toEqual([]);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });
});
