import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_ROOM, type AuthorId } from '../../shared/index.ts';
import type {
  ActivityView,
  BusEvent,
  ConnectionView,
  MessageView,
  ProfileView,
  TimelineView,
} from '../api.ts';
import { startCore } from './kafky-core.ts';
import { TabSession } from './tab-session.ts';
import { deadSocket } from './test-helpers.ts';

async function session() {
  const core = await startCore({
    syncUrl: 'ws://nowhere.test/sync',
    // No relay: the socket never opens, as when the relay is down.
    createSocket: deadSocket,
    dbName: `kafky-session-${Math.random()}`,
  });
  return { core, api: new TabSession(Promise.resolve(core)) };
}

describe('TabSession', () => {
  it('watches a window of the timeline, replies quoting what they answer', async () => {
    const { core, api } = await session();
    const seen: TimelineView[] = [];
    await api.watchTimeline(DEFAULT_ROOM, { kind: 'latest', limit: 10 }, (view) => {
      seen.push(view);
    });
    const first = await api.sendMessage(DEFAULT_ROOM, 'first');
    await api.sendMessage(DEFAULT_ROOM, 'an answer', first);
    await vi.waitFor(() => expect(seen.at(-1)?.messages).toHaveLength(2));
    expect(seen.at(-1)!.messages[1]).toMatchObject({
      text: 'an answer',
      replyTo: { id: first, text: 'first' },
    });
    const around: TimelineView[] = [];
    await api.watchTimeline(
      DEFAULT_ROOM,
      { kind: 'around', anchor: first, before: 5, after: 5 },
      (view) => void around.push(view),
    );
    await vi.waitFor(() =>
      expect(around.at(-1)?.messages.map((m) => m.text)).toEqual(['first', 'an answer']),
    );
    core.close();
  });

  it('shows a sent message at once as pending, through a live query', async () => {
    const { core, api } = await session();
    const seen: MessageView[][] = [];
    await api.watchMessages(DEFAULT_ROOM, 50, (messages) => void seen.push(messages));
    await vi.waitFor(() => expect(seen).toEqual([[]]));

    const id = await api.sendMessage(DEFAULT_ROOM, '  hello there \n');
    await vi.waitFor(() => expect(seen.at(-1)).toHaveLength(1));
    expect(seen.at(-1)![0]).toMatchObject({
      id,
      text: 'hello there',
      state: 'pending',
      own: true,
      author: core.author,
      authorName: `Guest ${core.author.slice(0, 4)}`,
    });
    core.close();
  });

  it('emits own events eagerly on the bus, and counts them as waiting to send', async () => {
    const { core, api } = await session();
    const eager: BusEvent[] = [];
    const connection: ConnectionView[] = [];
    await api.onEvent('eager', (event) => void eager.push(event));
    await api.watchConnection((view) => void connection.push(view));
    const id = await api.sendMessage(DEFAULT_ROOM, 'x');
    expect(eager.map((e) => e.id)).toEqual([id]);
    await vi.waitFor(() => expect(connection.at(-1)?.pending).toBe(1));
    core.close();
  });

  it('shows the display name once set, on the profile and on messages', async () => {
    const { core, api } = await session();
    const profiles: ProfileView[] = [];
    const seen: MessageView[][] = [];
    await api.watchProfile((p) => void profiles.push(p));
    await api.watchMessages(DEFAULT_ROOM, 50, (messages) => void seen.push(messages));
    await api.sendMessage(DEFAULT_ROOM, 'hi');
    await api.setDisplayName(' Ada ');
    await vi.waitFor(() => expect(profiles.at(-1)?.name).toBe('Ada'));
    await vi.waitFor(() => expect(seen.at(-1)?.[0]?.authorName).toBe('Ada'));
    core.close();
  });

  it('stops calling a listener after unsubscribe and after dispose', async () => {
    const { core, api } = await session();
    const calls: number[] = [];
    const id = await api.onEvent('eager', () => void calls.push(1));
    await api.unsubscribe(id);
    await api.onEvent('kafked', () => void calls.push(2));
    api.dispose();
    await api.sendMessage(DEFAULT_ROOM, 'after');
    expect(calls).toEqual([]);
    expect(core.bus.count('eager')).toBe(1); // only the sync engine's own subscription
    core.close();
  });

  it('refuses an empty message with a coded error', async () => {
    const { core, api } = await session();
    await expect(api.sendMessage(DEFAULT_ROOM, '   ')).rejects.toMatchObject({
      code: 'invalid_event',
    });
    core.close();
  });

  it("shows who is typing and who is online by name, leaving out the reader's own typing", async () => {
    const { core, api } = await session();
    const bob = 'bob-00000' as AuthorId;
    const views: ActivityView[] = [];
    await api.setDisplayName('Ada');
    await api.watchActivity(DEFAULT_ROOM, (view) => void views.push(view));
    await vi.waitFor(() => expect(views).toEqual([{ typing: [], online: [], denied: null }]));

    core.activity.presence(DEFAULT_ROOM, [core.author, bob]);
    core.activity.typing(DEFAULT_ROOM, core.author, 6000);
    core.activity.typing(DEFAULT_ROOM, bob, 6000);
    await vi.waitFor(() => expect(views.at(-1)?.typing).toEqual(['Guest bob-']));
    expect(views.at(-1)?.online).toEqual([
      { author: core.author, name: 'Ada', own: true },
      { author: bob, name: 'Guest bob-', own: false },
    ]);
    const count = views.length;
    // Renewing a signal, or another room's activity, shows nothing new.
    core.activity.typing(DEFAULT_ROOM, bob, 6000);
    core.activity.typing('elsewhere' as never, bob, 6000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(views).toHaveLength(count);

    core.activity.clear();
    await vi.waitFor(() => expect(views.at(-1)).toEqual({ typing: [], online: [], denied: null }));
    // Not connected: a typing signal goes nowhere, quietly.
    await expect(api.setTyping(DEFAULT_ROOM, true)).resolves.toBeUndefined();
    core.close();
  });
});
