import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { EventId, RoomId } from '../../../shared/index.ts';
import { EventBus } from '../bus.ts';
import { Commands } from '../commands.ts';
import { openDb } from '../db.ts';
import { EventStore } from '../event-store.ts';
import { PROJECTORS } from '../projectors/index.ts';
import { ALICE, BOB, ROOM, messageEvent, sequenced } from '../test-helpers.ts';
import { PROCESS_DEFINITIONS } from './definitions.ts';
import {
  ProcessManager,
  type ProcessChange,
  type ProcessManagerOptions,
} from './process-manager.ts';

let seq = 0;

/** A browser's store, process manager and commands over a fake IndexedDB database of `name`. */
async function browser(
  name = `kafky-sagas-${Math.random()}`,
  sign?: ProcessManagerOptions['sign'],
) {
  const db = openDb(name);
  const store = new EventStore(db, PROJECTORS);
  await store.join(ROOM);
  const bus = new EventBus();
  const processes = new ProcessManager({
    store,
    db,
    bus,
    author: ALICE,
    definitions: PROCESS_DEFINITIONS,
    ...(sign ? { sign } : {}),
  });
  const unfollowed: RoomId[] = [];
  processes.unfollow = (room) => unfollowed.push(room);
  const changes: ProcessChange[] = [];
  processes.subscribe((change) => changes.push(change));
  const commands = new Commands(store, db, ALICE, processes);
  /** The relay takes these events: each gets the next sequence of its room. */
  const ack = (...ids: EventId[]) =>
    Promise.all(ids.map((id) => db.events.where('id').equals(id).first())).then((events) =>
      processes.acked(events.map((e) => ({ id: e!.id, room: e!.room, seq: ++seq, rts: 1 }))),
    );
  const close = () => {
    processes.close();
    db.close();
  };
  return { name, db, store, bus, processes, commands, unfollowed, changes, ack, close };
}

type Browser = Awaited<ReturnType<typeof browser>>;

async function logTypes(b: Browser, room: RoomId = ROOM) {
  return (await b.db.events.toArray()).filter((e) => e.room === room).map((e) => e.type);
}

async function outboxTypes(b: Browser, room: RoomId = ROOM) {
  return (await b.store.outbox(room, 100)).map((e) => e.type);
}

describe('sending a message', () => {
  it('is a process from pending to delivered, which then ends', async () => {
    const b = await browser();
    const id = await b.commands.sendMessage(ROOM, 'hello');
    const [process] = await b.processes.list();
    expect(process).toMatchObject({
      kind: 'send-message',
      state: 'running',
      steps: [{ name: 'send', state: 'pending', events: [id] }],
    });
    expect((await b.db.messages.get(id))?.state).toBe('pending');

    await b.ack(id);
    expect((await b.db.messages.get(id))?.state).toBe('delivered');
    expect(await b.processes.list()).toEqual([]);
    expect(b.changes.at(-1)).toMatchObject({
      ended: true,
      process: { steps: [{ state: 'done' }] },
    });
    b.close();
  });

  it('when refused, is compensated by a local event: failed with the reason, own effects undone', async () => {
    const b = await browser();
    const theirs = sequenced(messageEvent('from bob', BOB), ++seq);
    await b.store.applyRemote(ROOM, [theirs]);
    const id = await b.commands.sendMessage(ROOM, 'far too long');
    await b.store.claimForPush([id]);
    // Pushed after it (may be at the relay): shown undone. Not pushed yet: dropped.
    await b.commands.editMessage(id, 'far too long, edited');
    const edit = (await b.store.outbox(ROOM, 10)).at(-1)!;
    await b.store.claimForPush([edit.id]);
    await b.commands.toggleReaction(id, '👍');
    expect((await b.db.messages.get(id))?.reactions).toHaveLength(1);

    await b.processes.refused(id, 'event_too_large', 'at most 2048 bytes');
    expect(await b.db.messages.get(id)).toMatchObject({
      state: 'failed',
      error: { code: 'event_too_large', message: 'at most 2048 bytes' },
      text: 'far too long',
      edited: false,
      reactions: [],
    });
    expect(await logTypes(b)).toEqual([
      'message.sent',
      'message.sent',
      'message.edited',
      'delivery.refused',
    ]);
    // The compensation never leaves this browser; the pushed edit still may.
    expect(await outboxTypes(b)).toEqual(['message.edited']);
    const processes = await b.processes.list();
    expect(processes.map((p) => [p.kind, p.state])).toEqual([
      ['send-message', 'refused'],
      ['deliver', 'running'],
    ]);
    expect(processes[0]?.error).toEqual({
      code: 'event_too_large',
      message: 'at most 2048 bytes',
      step: 'send',
    });
    // Someone else's message is left alone.
    expect((await b.db.messages.get(theirs.id))?.state).toBe('delivered');

    // Heard twice (a resend crossed the first refusal): compensated once.
    await b.processes.refused(id, 'event_too_large', 'at most 2048 bytes');
    expect((await logTypes(b)).filter((t) => t === 'delivery.refused')).toHaveLength(1);
    b.close();
  });

  it('once refused, can be retried: pending and sent again, then delivered with its edits', async () => {
    const b = await browser();
    const id = await b.commands.sendMessage(ROOM, 'try again');
    await b.store.claimForPush([id]);
    await b.commands.editMessage(id, 'try again, edited');
    const edit = (await b.store.outbox(ROOM, 10)).at(-1)!;
    await b.store.claimForPush([edit.id]);
    await b.processes.refused(id, 'internal', 'relay busy');
    expect((await b.db.messages.get(id))?.text).toBe('try again');
    await expect(b.commands.toggleReaction(id, '👍')).rejects.toThrow(/retry or discard/);
    await expect(b.commands.editMessage(id, 'no')).rejects.toMatchObject({ code: 'invalid_event' });

    await b.commands.retryMessage(id);
    expect(await b.db.messages.get(id)).toMatchObject({
      state: 'pending',
      text: 'try again, edited',
    });
    expect(await outboxTypes(b)).toEqual(['message.sent', 'message.edited']);
    expect(await logTypes(b)).toContain('delivery.retried');
    expect((await b.processes.list())[0]).toMatchObject({
      state: 'running',
      steps: [{ state: 'pending' }],
    });
    expect((await b.processes.list())[0]?.error).toBeUndefined();

    await b.ack(id);
    expect((await b.db.messages.get(id))?.state).toBe('delivered');
    expect((await b.processes.list()).map((p) => p.kind)).toEqual(['deliver']);
    b.close();
  });

  it('once refused, can be discarded: gone, with what depended on it', async () => {
    const b = await browser();
    const id = await b.commands.sendMessage(ROOM, 'never mind');
    const kept = await b.commands.sendMessage(ROOM, 'next one');
    await b.store.claimForPush([id, kept]);
    await b.commands.toggleReaction(id, '🎉');
    await b.store.claimForPush((await b.store.outbox(ROOM, 10)).map((e) => e.id));
    await b.processes.refused(id, 'event_too_large', 'too big');
    await expect(b.commands.discardMessage(kept)).rejects.toThrow(/refused/);

    await b.commands.discardMessage(id);
    expect(await b.db.messages.get(id)).toBeUndefined();
    expect(await logTypes(b)).toEqual(['message.sent']);
    expect(await outboxTypes(b)).toEqual(['message.sent']);
    expect((await b.processes.list()).map((p) => p.kind)).toEqual(['send-message']);
    expect((await b.db.messages.get(kept))?.state).toBe('pending');
    b.close();
  });

  it('ends with its draft when the draft is deleted before it leaves', async () => {
    const b = await browser();
    const id = await b.commands.sendMessage(ROOM, 'oops');
    await b.commands.deleteMessage(id);
    expect(await b.processes.list()).toEqual([]);
    expect(b.changes.at(-1)).toMatchObject({ ended: true, process: { kind: 'send-message' } });
    b.close();
  });
});

const FAKE_SIG = 's'.repeat(86);

describe('signing', () => {
  it('signs the first step’s events before they are written, and a later step’s as they leave', async () => {
    const signed: string[] = [];
    const b = await browser(undefined, (event) => {
      signed.push(event.type);
      return Promise.resolve({ ...event, sig: FAKE_SIG });
    });
    const room = await b.commands.createRoom('signed room');
    const [created] = await b.store.outbox(room, 10);
    expect(created).toMatchObject({ type: 'room.created', sig: FAKE_SIG });
    await b.ack(created!.id);
    const [joined] = await b.store.outbox(room, 10);
    // Written inside the acknowledgement's transaction: no Web Crypto there.
    expect(joined).toMatchObject({ type: 'member.joined' });
    expect(joined!.sig).toBeUndefined();
    expect(signed).toEqual(['room.created']);
    b.close();
  });
});

describe('creating a room', () => {
  it('writes each step only once the relay has acknowledged the one before', async () => {
    const b = await browser();
    await b.commands.setDisplayName('Ada');
    await b.ack(...(await b.store.outbox(ROOM, 10)).map((e) => e.id));
    const room = await b.commands.createRoom('Book club');
    expect(await outboxTypes(b, room)).toEqual(['room.created', 'profile.name-set']);
    expect((await b.processes.list())[0]).toMatchObject({
      kind: 'create-room',
      step: 0,
      steps: [
        { name: 'room', state: 'pending' },
        { name: 'join', state: 'waiting', events: [] },
        { name: 'invite', state: 'waiting', events: [] },
      ],
    });

    await b.ack(...(await b.store.outbox(room, 10)).map((e) => e.id));
    expect(await outboxTypes(b, room)).toEqual(['member.joined']);
    expect((await b.processes.list())[0]).toMatchObject({
      step: 1,
      steps: [{ state: 'done' }, { state: 'pending' }, { state: 'waiting' }],
    });

    await b.ack(...(await b.store.outbox(room, 10)).map((e) => e.id));
    expect(await b.processes.list()).toEqual([]);
    expect(b.changes.at(-1)).toMatchObject({
      ended: true,
      process: { steps: [{ state: 'done' }, { state: 'done' }, { state: 'done' }] },
    });
    expect((await b.store.rooms()).find((r) => r.room === room)?.left).toBeUndefined();
    b.close();
  });

  it('compensates the steps before a refused one: the room is left here, and the reason kept', async () => {
    const b = await browser();
    const room = await b.commands.createRoom('Doomed');
    await b.ack(...(await b.store.outbox(room, 10)).map((e) => e.id));
    const [join] = await b.store.outbox(room, 10);
    await b.processes.refused(join!.id, 'unknown_event_type', 'this relay does not take joins');

    const [process] = await b.processes.list();
    expect(process).toMatchObject({
      kind: 'create-room',
      state: 'compensated',
      steps: [{ state: 'compensated' }, { state: 'refused' }, { state: 'waiting' }],
      error: { code: 'unknown_event_type', step: 'join' },
    });
    expect((await b.store.rooms()).find((r) => r.room === room)?.left).toBe(true);
    expect(b.unfollowed).toEqual([room]);
    expect(await logTypes(b, room)).toEqual(['room.created', 'member.joined', 'delivery.refused']);
    expect(await b.store.outbox(room, 10)).toEqual([]);
    expect(await b.processes.failed()).toEqual([
      {
        id: process!.id,
        what: 'Creating the room “Doomed”',
        room,
        error: { code: 'unknown_event_type', message: 'this relay does not take joins' },
        created: process!.created,
      },
    ]);

    await b.processes.dismiss(process!.id);
    expect(await b.processes.list()).toEqual([]);
    expect(await b.processes.failed()).toEqual([]);
    b.close();
  });

  it('compensates a refused first step the same way', async () => {
    const b = await browser();
    const room = await b.commands.createRoom('Nope');
    const [created] = await b.store.outbox(room, 10);
    await b.processes.refused(created!.id, 'invalid_event', 'no');
    expect((await b.processes.list())[0]).toMatchObject({
      state: 'compensated',
      steps: [{ state: 'refused' }, { state: 'waiting' }, { state: 'waiting' }],
    });
    expect((await b.store.rooms()).find((r) => r.room === room)?.left).toBe(true);
    expect(await logTypes(b, room)).not.toContain('member.joined');
    b.close();
  });
});

describe('processes across restarts', () => {
  it('are stored with their states and go on from where the log says they stand', async () => {
    const first = await browser();
    const room = await first.commands.createRoom('Survivor');
    const message = await first.commands.sendMessage(ROOM, 'still pending');
    const refused = await first.commands.sendMessage(ROOM, 'refused before the restart');
    await first.processes.refused(refused, 'event_too_large', 'too big');
    const [created] = await first.store.outbox(room, 10);
    first.close();

    // The worker is gone; the relay's copy of the room's first event arrives by catch-up
    // while no process manager is there to hear of it.
    const offline = new EventStore(openDb(first.name), PROJECTORS);
    await offline.applyRemote(room, [{ ...created!, seq: 1, rts: 1 }]);

    const second = await browser(first.name);
    const before = await second.processes.list();
    expect(before.map((p) => [p.kind, p.state, p.step])).toEqual([
      ['create-room', 'running', 0],
      ['send-message', 'running', 0],
      ['send-message', 'refused', 0],
    ]);
    await second.processes.resume();
    expect(await outboxTypes(second, room)).toEqual(['member.joined']);
    expect((await second.processes.list()).map((p) => [p.kind, p.state, p.step])).toEqual([
      ['create-room', 'running', 1],
      ['send-message', 'running', 0],
      ['send-message', 'refused', 0],
    ]);
    // Resuming twice changes nothing: the join is written once.
    await second.processes.resume();
    expect(await outboxTypes(second, room)).toEqual(['member.joined']);

    await second.ack(message);
    expect((await second.processes.list()).map((p) => p.kind)).toEqual([
      'create-room',
      'send-message',
    ]);
    await second.commands.retryMessage(refused);
    expect((await second.db.messages.get(refused))?.state).toBe('pending');
    second.close();
  });

  it('move on when an own event is confirmed by catch-up instead of an ack', async () => {
    const b = await browser();
    const id = await b.commands.sendMessage(ROOM, 'ack lost');
    const event = (await b.db.events.where('id').equals(id).first())!;
    const applied = await b.store.applyRemote(ROOM, [{ ...event, seq: ++seq, rts: 1 }]);
    b.bus.emit('kafked', applied.confirmed);
    await expect.poll(() => b.processes.list()).toEqual([]);
    b.close();
  });
});
