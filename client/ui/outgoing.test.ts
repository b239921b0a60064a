import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthorId, EventId, RoomId } from '../../shared/ids.ts';
import type { MessageView } from '../api.ts';
import { OutgoingMessages, withOutgoing, type Outgoing } from './outgoing.ts';

const room = 'lobby' as RoomId;
const me = { author: 'me' as AuthorId, name: 'Me' };

function message(id: string, text: string, own: boolean, ts = 0): MessageView {
  return {
    id: id as EventId,
    room,
    author: (own ? 'me' : 'them') as AuthorId,
    authorName: own ? 'Me' : 'Them',
    text,
    ts,
    seq: null,
    state: 'pending',
    own,
    edited: false,
    deleted: false,
    reactions: [],
  };
}

function pending(key: string, text: string, ts: number, id?: string): Outgoing {
  return { key, room, text, ts, ...(id ? { id: id as EventId } : {}) };
}

describe('withOutgoing', () => {
  it('shows messages being sent after the timeline, as the reader’s own and pending', () => {
    const timeline = [message('a', 'hello', false)];
    const shown = withOutgoing(timeline, [pending('t:0', 'hi all', 10)], me, () => undefined);
    expect(shown).toHaveLength(2);
    expect(shown[1]).toMatchObject({
      id: 't:0',
      text: 'hi all',
      own: true,
      author: 'me',
      authorName: 'Me',
      state: 'pending',
    });
  });

  it('drops one the timeline holds, by id or, before the id is known, by text', () => {
    const timeline = [message('a', 'hi', true, 100), message('b', 'yo', true, 200)];
    const forgotten: string[] = [];
    const shown = withOutgoing(
      timeline,
      [pending('t:0', 'hi', 100, 'a'), pending('t:1', 'yo', 150), pending('t:2', 'yo', 190)],
      me,
      (key, id) => forgotten.push(`${key}=${id}`),
    );
    // "yo" is in the timeline once: the second "yo" being sent is still to come.
    expect(shown.map((m) => m.id)).toEqual(['a', 'b', 't:2']);
    expect(forgotten).toEqual(['t:0=a', 't:1=b']);
  });

  it('does not take someone else’s message, or an own one written before, for it', () => {
    const timeline = [message('a', 'hi', false, 500), message('b', 'hi', true, 100)];
    const shown = withOutgoing(timeline, [pending('t:0', 'hi', 500)], me, () => undefined);
    expect(shown.map((m) => m.id)).toEqual(['a', 'b', 't:0']);
  });

  it('quotes the message it answers when that is shown', () => {
    const timeline = [message('q', 'the question', false)];
    const answer = { ...pending('t:0', 'the answer', 1), replyTo: 'q' as EventId };
    const [, shown] = withOutgoing(timeline, [answer], me, () => undefined);
    expect(shown?.replyTo).toMatchObject({ id: 'q', authorName: 'Them', text: 'the question' });
  });
});

describe('OutgoingMessages', () => {
  const open: OutgoingMessages[] = [];
  const tab = () => {
    const t = new OutgoingMessages('test-outgoing');
    open.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of open.splice(0)) t.close();
    vi.useRealTimers();
  });

  it('tells the other tabs of the browser, and what became of it', async () => {
    const [a, b] = [tab(), tab()];
    const heard: (Outgoing | null)[] = [];
    b.subscribe((added) => heard.push(added));
    const sending = a.add(room, 'hello');
    expect(a.of(room)).toHaveLength(1);
    await vi.waitFor(() => expect(b.of(room)).toHaveLength(1));
    // Only the tab that sent it hears it as its own.
    expect(heard).toEqual([null]);
    sending.settle('id-1' as EventId);
    await vi.waitFor(() => expect(b.of(room)[0]?.id).toBe('id-1'));
    a.add(room, 'oops').drop();
    await vi.waitFor(() => expect(b.of(room).map((o) => o.text)).toEqual(['hello']));
  });

  it('calls the tab that sent one with it; forgetting is this tab’s own', () => {
    const a = tab();
    const heard: (Outgoing | null)[] = [];
    a.subscribe((added) => heard.push(added));
    a.add(room, 'hello');
    expect(heard).toEqual([expect.objectContaining({ room, text: 'hello' })]);
    a.forget(a.of(room)[0]!.key);
    expect(a.of(room)).toEqual([]);
  });

  it('gives up one never settled', () => {
    vi.useFakeTimers();
    const a = tab();
    a.add(room, 'lost');
    vi.advanceTimersByTime(10_000);
    expect(a.of(room)).toEqual([]);
  });
});

describe('OutgoingMessages, from a tab of another version', () => {
  it('ignores a note it does not understand', async () => {
    const a = new OutgoingMessages('test-odd');
    const other = new BroadcastChannel('test-odd');
    try {
      other.postMessage({ kind: 'add', outgoing: { key: 'k', room, text: 42 } });
      other.postMessage({ kind: 'add' });
      other.postMessage({ kind: 'add', outgoing: { key: 'ok', room, text: 'fine', ts: 1 } });
      await vi.waitFor(() => expect(a.of(room).map((o) => o.key)).toEqual(['ok']));
    } finally {
      a.close();
      other.close();
    }
  });
});
