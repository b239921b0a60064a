import type { RoomId } from '../../../shared/index.ts';
import { defineProcess, type EventDraft, type ProcessData } from './process.ts';

/** A one-step process: the command's events, delivered together. */
export interface DeliverData extends ProcessData {
  drafts: EventDraft[];
}

/**
 * Any command without a process of its own (an edit, a reaction, a rename, a read
 * mark…). A refusal ends it: every projector leaves the refused event out, which undoes
 * its effect, and its `delivery.refused` in the log says why.
 */
export const deliver = defineProcess<DeliverData>({
  kind: 'deliver',
  steps: [{ name: 'deliver', events: ({ drafts }) => drafts }],
  onRefused: 'end',
});

/**
 * Sending a message: pending, then delivered; or refused, shown failed with the relay's
 * reason, until the person retries (pending again, sent again) or discards it.
 */
export const sendMessage = defineProcess<DeliverData>({
  kind: 'send-message',
  steps: [{ name: 'send', events: ({ drafts }) => drafts }],
  onRefused: 'wait',
  async compensate({ db, refused, dropDraft }) {
    // Own edits and reactions of it that have not left yet never will. Those already
    // pushed may be at the relay: the read model shows them undone while it is refused.
    const targeting = await db.events.where('payload.target').equals(refused.id).toArray();
    for (const event of targeting) await dropDraft(event.id);
  },
});

export interface CreateRoomData extends ProcessData {
  room: RoomId;
  name: string;
  /** The room's public key, from the secret its invite links carry (docs/security.md). */
  key?: string;
  /** The creator's display name, set in the room as it opens. */
  displayName: string | null;
}

/**
 * Opening a room, step by step, each waiting for the relay to acknowledge the one
 * before: the room, the creator joining it, the invite. When a step is refused, the
 * room is left here (the steps before are undone for this browser) and the process is
 * kept, compensated, with the reason, to tell the person.
 */
export const createRoom = defineProcess<CreateRoomData>({
  kind: 'create-room',
  steps: [
    {
      name: 'room',
      events: ({ room, name, key, displayName }) => [
        { room, type: 'room.created', v: 1, payload: key ? { name, key } : { name } },
        ...(displayName
          ? [{ room, type: 'profile.name-set', v: 1, payload: { name: displayName } } as const]
          : []),
      ],
    },
    { name: 'join', events: ({ room }) => [{ room, type: 'member.joined', v: 1, payload: {} }] },
    // The invite needs no event: the room's secret stays in this browser (its link) and
    // the relay learns the room's key from room.created. Kept so stored processes resume.
    { name: 'invite', events: () => [] },
  ],
  onRefused: 'report',
  describe: ({ name, room }) => ({ what: `Creating the room “${name}”`, room }),
  async compensate({ data, leaveLocally }) {
    await leaveLocally(data.room);
  },
});

/** Every kind of process this code runs: a stored process of another kind waits for code that knows it. */
export const PROCESS_DEFINITIONS = [deliver, sendMessage, createRoom] as const;
