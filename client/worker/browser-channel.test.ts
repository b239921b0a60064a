import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RoomId } from '../../shared/index.ts';
import type { BusEvent, ConnectionStatus } from '../api.ts';
import { ActivityState } from './activity.ts';
import { BrowserChannel, type StatusSource, type TypingSink } from './browser-channel.ts';
import { EventBus } from './bus.ts';
import { ALICE, BOB, ROOM, messageEvent } from './test-helpers.ts';

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
  const activity = new ActivityState();
  channel.shareActivity(activity);
  opened.push(channel);
  return { bus, seen, channel, activity };
}

/** The leader's socket, as far as typing goes: records what it was asked to send. */
class FakeTypingSink implements TypingSink {
  sent: [RoomId, boolean][] = [];
  sendTyping(room: RoomId, active: boolean) {
    this.sent.push([room, active]);
  }
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

  it("sends every tab's typing signals through the leader's socket", async () => {
    name = `kafky-test-${++names}`;
    const leader = join();
    const follower = join();
    const other = join();
    const sink = new FakeTypingSink();
    leader.channel.lead(new FakeSocketOwner(), sink);
    leader.channel.setTyping(ROOM, true);
    follower.channel.setTyping(ROOM, true);
    other.channel.setTyping(ROOM, false);
    await vi.waitFor(() => expect(sink.sent).toHaveLength(3));
    // The leader's own goes straight to the socket, before the others arrive.
    expect(sink.sent[0]).toEqual([ROOM, true]);
    expect(sink.sent.slice(1)).toEqual(
      expect.arrayContaining([
        [ROOM, true],
        [ROOM, false],
      ]),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.sent).toHaveLength(3);
  });

  it("mirrors the leader's typing and presence to every follower, and clears it when the socket drops", async () => {
    name = `kafky-test-${++names}`;
    const leader = join();
    const early = join();
    const socket = new FakeSocketOwner();
    leader.channel.lead(socket, new FakeTypingSink());
    socket.set('online');
    await vi.waitFor(() => expect(early.channel.status).toBe('online'));

    leader.activity.presence(ROOM, [ALICE, BOB]);
    leader.activity.typing(ROOM, BOB, 6000);
    await vi.waitFor(() => expect(early.activity.get(ROOM).typing).toHaveLength(1));
    expect(early.activity.get(ROOM)).toMatchObject({
      online: [ALICE, BOB],
      typing: [{ author: BOB }],
    });

    const late = join();
    await vi.waitFor(() => expect(late.activity.get(ROOM).online).toEqual([ALICE, BOB]));
    expect(late.activity.get(ROOM).typing.map((t) => t.author)).toEqual([BOB]);

    leader.activity.typing(ROOM, BOB, 0);
    await vi.waitFor(() => expect(late.activity.get(ROOM).typing).toEqual([]));
    expect(early.activity.get(ROOM).typing).toEqual([]);

    // A follower's state is the leader's mirrored: nothing of it goes back.
    early.activity.presence(ROOM, [BOB]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(leader.activity.get(ROOM).online).toEqual([ALICE, BOB]);
    expect(late.activity.get(ROOM).online).toEqual([ALICE, BOB]);

    socket.set('offline');
    await vi.waitFor(() => expect(late.activity.get(ROOM).online).toEqual([]));
    expect(early.activity.get(ROOM).online).toEqual([]);
  });

  it('starts a new leader from nothing, whatever it mirrored of the last one', async () => {
    name = `kafky-test-${++names}`;
    const first = join();
    const second = join();
    first.channel.lead(new FakeSocketOwner(), new FakeTypingSink());
    first.activity.presence(ROOM, [ALICE, BOB]);
    await vi.waitFor(() => expect(second.activity.get(ROOM).online).toEqual([ALICE, BOB]));
    first.channel.close();
    opened.splice(opened.indexOf(first.channel), 1);
    second.channel.lead(new FakeSocketOwner(), new FakeTypingSink());
    expect(second.activity.get(ROOM)).toEqual({ typing: [], online: [] });
  });

  it('ignores a malformed typing or activity message from another tab', async () => {
    name = `kafky-test-${++names}`;
    const leader = join();
    const follower = join();
    const sink = new FakeTypingSink();
    leader.channel.lead(new FakeSocketOwner(), sink);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const stranger = new BroadcastChannel(name);
    stranger.postMessage({ kind: 'typing', room: 'bad room', active: true });
    stranger.postMessage({ kind: 'typing', room: ROOM, active: 'yes' });
    stranger.postMessage({ kind: 'activity', room: ROOM, activity: { typing: 'x', online: [] } });
    stranger.postMessage({ kind: 'activity', room: ROOM, activity: { typing: [], online: [1] } });
    stranger.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.sent).toEqual([]);
    expect(follower.activity.get(ROOM)).toEqual({ typing: [], online: [] });
    expect(warn).toHaveBeenCalledTimes(4);
    warn.mockRestore();
  });
});
