import 'fake-indexeddb/auto';
import {
  newEventId,
  type AuthorId,
  type KafkyEvent,
  type MessageSent,
  type ProfileNameSet,
  type RoomId,
  type SequencedEvent,
} from '../../shared/index.ts';
import { openDb, type KafkyDb } from './db.ts';
import { EventStore } from './event-store.ts';
import { PROJECTORS } from './projectors/index.ts';
import type { SocketLike } from './sync/sync-client.ts';

export const ROOM = 'lobby' as RoomId;
export const ALICE = 'alice-0000' as AuthorId;
export const BOB = 'bob-00000' as AuthorId;

let dbCounter = 0;

/** A fresh store over its own fake IndexedDB database. */
export async function freshStore(): Promise<{ db: KafkyDb; store: EventStore }> {
  const db = openDb(`kafky-test-${++dbCounter}-${Math.random()}`);
  const store = new EventStore(db, PROJECTORS);
  await store.join(ROOM);
  return { db, store };
}

export function messageEvent(
  text: string,
  author: AuthorId = ALICE,
  room: RoomId = ROOM,
): MessageSent {
  return {
    id: newEventId(),
    type: 'message.sent',
    v: 2,
    room,
    author,
    ts: Date.now(),
    payload: { text, mentions: [] },
  };
}

export function nameEvent(
  name: string,
  author: AuthorId = ALICE,
  room: RoomId = ROOM,
): ProfileNameSet {
  return {
    id: newEventId(),
    type: 'profile.name-set',
    v: 1,
    room,
    author,
    ts: Date.now(),
    payload: { name },
  };
}

export function sequenced(event: KafkyEvent, seq: number): SequencedEvent {
  return { ...event, seq, rts: 1_700_000_000_000 + seq };
}

/** A socket that never opens, as when the relay cannot be reached. */
export function deadSocket(): SocketLike {
  return {
    readyState: 0,
    send: () => undefined,
    close: () => undefined,
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
}
