import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionStatus } from '../../api.ts';
import { BrowserChannel } from '../browser-channel.ts';
import { EventBus } from '../bus.ts';
import { ROOM } from '../test-helpers.ts';
import { RelayHeads } from './relay-heads.ts';

let opened: BrowserChannel[] = [];

const socketOwner = {
  status: 'online' as ConnectionStatus,
  onStatus: () => () => undefined,
};

describe('RelayHeads', () => {
  afterEach(() => {
    for (const channel of opened) channel.close();
    opened = [];
  });

  it('tells its listeners of a change, and takes another core’s heads only if well formed', () => {
    const heads = new RelayHeads();
    let changes = 0;
    heads.onChange(() => changes++);
    heads.caughtUp(ROOM, 3);
    heads.caughtUp(ROOM, 3);
    expect(changes).toBe(1);
    const copy = new RelayHeads();
    copy.load(heads.all());
    expect(copy.get(ROOM)).toBe(3);
    expect(() => copy.load({ [ROOM]: 'three' })).toThrow();
    expect(() => copy.load({ 'not a room!': 1 })).toThrow();
    expect(copy.get(ROOM)).toBe(3);
  });

  it('reach every tab’s core from the one with the socket, also a core that starts later', async () => {
    const name = `kafky-heads-${Math.random()}`;
    const join = () => {
      const channel = new BrowserChannel(new BroadcastChannel(name), new EventBus());
      const heads = new RelayHeads();
      channel.shareHeads(heads);
      opened.push(channel);
      return { channel, heads };
    };
    const leader = join();
    const early = join();
    leader.channel.lead(socketOwner);
    leader.heads.caughtUp(ROOM, 7);
    await vi.waitFor(() => expect(early.heads.get(ROOM)).toBe(7));
    const late = join();
    await vi.waitFor(() => expect(late.heads.get(ROOM)).toBe(7));
    // A follower's copy is not sent back: the leader's own stays as its socket heard it.
    early.heads.caughtUp(ROOM, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(leader.heads.get(ROOM)).toBe(7);
  });
});
