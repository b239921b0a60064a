import {
  DEFAULT_ROOM,
  KafkyError,
  PROOF_TEXTS,
  type AnyEvent,
  type RoomId,
  type Subscribe,
} from '../../shared/index.ts';
import type { EventLog } from '../log/event-log.ts';
import { verifyProof } from './auth.ts';

/**
 * Who may enter a room, from its first event:
 * - `keyed`: its first event is a `room.created` naming the room's public key: only a
 *   connection that proved the matching secret may subscribe or push;
 * - `open`: the lobby, and rooms whose log began otherwise (written before rooms had
 *   keys, or by a tool): anyone who names it may;
 * - `new`: nothing stored yet. A connection that names a key (and proves it) may only
 *   open it with that key's `room.created`; one that names none makes it open.
 */
export type RoomState = { kind: 'keyed'; key: string } | { kind: 'open' } | { kind: 'new' };

/** What a connection proved of a room: the key whose secret it holds, or null for none. */
export type Joined = Map<RoomId, string | null>;

/**
 * The relay's view of room capabilities. It keeps only what it reads from the log (each
 * room's public key, the verifier): no secret, nothing of its own to lose or leak.
 */
export class RoomAccess {
  private readonly known = new Map<RoomId, Promise<RoomState>>();

  constructor(private readonly log: EventLog) {}

  /** The room's state, cached once settled (a room's first event never changes). */
  state(room: RoomId): Promise<RoomState> {
    if (room === DEFAULT_ROOM) return Promise.resolve({ kind: 'open' });
    const cached = this.known.get(room);
    if (cached) return cached;
    const reading = this.log
      .read(room, 0, { maxEvents: 1, maxBytes: 1 })
      .then(([first]) => (first ? stateOf(first) : ({ kind: 'new' } as const)));
    this.known.set(room, reading);
    // A new room may be created at any moment: ask again next time.
    reading.then(
      (state) => state.kind === 'new' && this.known.delete(room),
      () => this.known.delete(room),
    );
    return reading;
  }

  /** Takes note of events just stored at `seq` 1: they settle their room's state. */
  stored(event: AnyEvent, seq: number): void {
    if (seq === 1) this.known.set(event.room, Promise.resolve(stateOf(event)));
  }

  /**
   * Whether a `subscribe` may go on, given the connection's challenge: the proof must hold
   * for the key it names (checked at once, so the frames after it keep their order), and
   * a keyed room needs its own key. Resolves to the refusal, or null.
   */
  async subscribe(
    message: Subscribe,
    challenge: string,
    joined: Joined,
  ): Promise<KafkyError | null> {
    const { room, key, proof } = message;
    if ((key === undefined) !== (proof === undefined)) {
      return denied(room, 'a subscribe names both key and proof, or neither');
    }
    if (key !== undefined && !verifyProof(key, PROOF_TEXTS.join(challenge, room), proof!)) {
      return denied(
        room,
        'the proof is not the signature of this connection’s challenge by that key',
      );
    }
    // Recorded before the room's state is known, so a push right behind it is judged by it.
    joined.set(room, key ?? null);
    const state = await this.state(room);
    if (state.kind === 'keyed' && key !== state.key) {
      joined.delete(room);
      return denied(room, 'this room needs the secret of its invite link');
    }
    return null;
  }

  /**
   * Refuses each event the connection may not write into its room, in push order: in a
   * keyed room, one not proven; in a new room proven with a key, anything before that
   * key's `room.created`. Answers the refusal for each event (null: it may go).
   */
  async push(events: readonly AnyEvent[], joined: Joined): Promise<(KafkyError | null)[]> {
    const states = new Map<RoomId, RoomState>();
    for (const room of new Set(events.map((e) => e.room))) states.set(room, await this.state(room));
    return events.map((event) => {
      const state = states.get(event.room)!;
      const proven = joined.get(event.room);
      if (state.kind === 'open') return null;
      if (state.kind === 'keyed') {
        return proven === state.key ? null : denied(event.room, 'prove the room’s secret first');
      }
      if (proven === undefined || proven === null) {
        // A tool writing into a room nobody keyed: it becomes open.
        states.set(event.room, stateOf(event));
        return null;
      }
      const opens = stateOf(event);
      if (opens.kind === 'keyed' && opens.key === proven) {
        states.set(event.room, opens);
        return null;
      }
      return denied(event.room, 'this room does not exist yet: its room.created comes first');
    });
  }
}

function stateOf(first: AnyEvent): RoomState {
  const key = first.type === 'room.created' ? (first.payload as { key?: unknown }).key : undefined;
  return typeof key === 'string' ? { kind: 'keyed', key } : { kind: 'open' };
}

function denied(room: RoomId, why: string): KafkyError {
  return new KafkyError('room_denied', `room ${room}: ${why}`);
}

// One per hub, kept beside it rather than in it: the hub needs none of it.
const byLog = new WeakMap<EventLog, RoomAccess>();

export function roomAccess(log: EventLog): RoomAccess {
  let access = byLog.get(log);
  if (!access) {
    access = new RoomAccess(log);
    byLog.set(log, access);
  }
  return access;
}
