import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { RoomId } from '../../../shared/index.ts';
import { EventBus } from '../bus.ts';
import { openDb } from '../db.ts';
import { EventStore } from '../event-store.ts';
import { PROJECTORS } from '../projectors/index.ts';
import { ALICE } from '../test-helpers.ts';
import { PROCESS_DEFINITIONS } from './definitions.ts';
import { defineProcess } from './process.ts';
import { ProcessManager } from './process-manager.ts';

// The example of docs/sagas.md, kept here so that it compiles and works.
// --- example start ---
/** Joining a room, then taking a name there once the relay has the join. */
export const joinWithName = defineProcess<{ room: RoomId; name: string }>({
  kind: 'join-with-name',
  steps: [
    { name: 'join', events: ({ room }) => [{ room, type: 'member.joined', v: 1, payload: {} }] },
    {
      name: 'name',
      events: ({ room, name }) => [{ room, type: 'profile.name-set', v: 1, payload: { name } }],
    },
  ],
  onRefused: 'report',
  compensate: ({ data, leaveLocally }) => leaveLocally(data.room),
});
// --- example end ---

const ROOM = 'example-room' as RoomId;

function manager() {
  const db = openDb(`kafky-new-process-${Math.random()}`);
  const store = new EventStore(db, PROJECTORS);
  const processes = new ProcessManager({
    store,
    db,
    bus: new EventBus(),
    author: ALICE,
    definitions: [...PROCESS_DEFINITIONS, joinWithName],
  });
  const types = async () => (await store.outbox(ROOM, 10)).map((e) => e.type);
  return { db, store, processes, types };
}

describe('a new multi-step process', () => {
  it('runs its steps one acknowledgement at a time', async () => {
    const { store, processes, types } = manager();
    await processes.start(joinWithName, { room: ROOM, name: 'Ada' }, () => store.join(ROOM));
    expect(await types()).toEqual(['member.joined']);
    const [join] = await store.outbox(ROOM, 10);
    await processes.acked([{ id: join!.id, room: ROOM, seq: 1, rts: 1 }]);
    expect(await types()).toEqual(['profile.name-set']);
    const [name] = await store.outbox(ROOM, 10);
    await processes.acked([{ id: name!.id, room: ROOM, seq: 2, rts: 1 }]);
    expect(await processes.list()).toEqual([]);
  });

  it('is compensated by its own rule when a step is refused', async () => {
    const { store, processes } = manager();
    await processes.start(joinWithName, { room: ROOM, name: 'Ada' }, () => store.join(ROOM));
    const [join] = await store.outbox(ROOM, 10);
    await processes.refused(join!.id, 'invalid_event', 'no joining here');
    expect((await store.rooms()).find((r) => r.room === ROOM)?.left).toBe(true);
    expect((await processes.list())[0]).toMatchObject({
      kind: 'join-with-name',
      state: 'compensated',
      error: { step: 'join', message: 'no joining here' },
    });
  });

  it('must be registered before it starts', async () => {
    const db = openDb(`kafky-new-process-${Math.random()}`);
    const store = new EventStore(db, PROJECTORS);
    const bus = new EventBus();
    const bare = new ProcessManager({ store, db, bus, author: ALICE, definitions: [] });
    await expect(bare.start(joinWithName, { room: ROOM, name: 'Ada' })).rejects.toThrow(
      /join-with-name/,
    );
  });
});
