import { describe, expect, it } from 'vitest';
import { ALICE, BOB, ROOM, messageEvent, sequenced } from '../test-helpers.ts';
import { EarlyIncoming, incomingNotes } from './early-incoming.ts';

const fromBob = (text: string, seq: number) => sequenced(messageEvent(text, BOB), seq);

describe('incomingNotes', () => {
  it('takes the messages of others, as the tabs show them', () => {
    const hello = fromBob('hello', 4);
    const reply = sequenced(
      { ...messageEvent('re', BOB), payload: { text: 're', replyTo: hello.id, mentions: [] } },
      5,
    );
    expect(incomingNotes([hello, reply], ALICE)).toEqual([
      { id: hello.id, room: ROOM, author: BOB, text: 'hello', ts: hello.ts, seq: 4 },
      {
        id: reply.id,
        room: ROOM,
        author: BOB,
        text: 're',
        ts: reply.ts,
        seq: 5,
        replyTo: hello.id,
      },
    ]);
    expect(incomingNotes([sequenced(messageEvent('own'), 7)], ALICE)).toEqual([]);
  });

  it('leaves a message edited or deleted in the same frame, and catch-up pages, to the store', () => {
    const said = fromBob('oops', 1);
    const deleted = sequenced(
      {
        ...said,
        id: 'del-1',
        type: 'message.deleted',
        v: 1,
        payload: { target: said.id },
      } as never,
      2,
    );
    expect(incomingNotes([said, deleted], ALICE)).toEqual([]);
    const page = Array.from({ length: 50 }, (_, i) => fromBob(`page ${i}`, i + 1));
    expect(incomingNotes(page, ALICE)).toEqual([]);
  });
});

describe('EarlyIncoming', () => {
  it('posts the notes of a frame to the tabs, and nothing when there are none', () => {
    const posted: unknown[] = [];
    const early = new EarlyIncoming(ALICE, {
      postMessage: (m: unknown) => void posted.push(m),
      close: () => undefined,
    });
    const hello = fromBob('hello', 1);
    early.show([hello]);
    early.show([sequenced(messageEvent('own'), 2)]);
    expect(posted).toEqual([[expect.objectContaining({ id: hello.id, text: 'hello' })]]);
  });
});
