import type { EventId, KafkyEvent, RoomId } from '../../../shared/index.ts';
import type { EventStore, HandOver } from '../event-store.ts';
import type { DeviceIdentity } from '../identity.ts';
import { batches, wireEvent } from './push-frames.ts';
import type { SocketLike } from './sync-options.ts';

export type WireEvent = ReturnType<typeof wireEvent>;

/** What handing events over needs of the sync client: its socket's state, and its pushes. */
export interface PushLine {
  /** The socket pushes may go to now (welcomed, not held by a rate limit); null if none. */
  openSocket(): SocketLike | null;
  /** Whether `count` more events of `room` may go out now: proven, and room in its window. */
  roomOpen(room: RoomId, count: number): boolean;
  /** Whether an event is on the wire of the open socket. */
  inFlight(id: EventId): boolean;
  /** Pushes `events` if `socket` is still the open one; false (nothing sent) if not. */
  push(socket: SocketLike, events: WireEvent[]): boolean;
  /** Pushes the outbox, as for any event. */
  flush(): void;
}

/**
 * Own events handed to the socket in the transaction that appends them: claimed (marked
 * pushed) there and sent the moment it commits, so no IndexedDB request (each queued
 * behind the reads the append sets off in every tab) stands between the commit and the
 * socket. Only when nothing else would hold them back; otherwise the outbox flush pushes
 * them, as any other.
 */
export class HandOvers {
  /** Claimed in an append's transaction, to go out on this socket once it commits. */
  private readonly handing = new Map<EventId, SocketLike>();
  /** Acknowledged, and still in the outbox until the acknowledgement is stored. */
  private readonly acking = new Set<EventId>();

  constructor(
    private readonly line: PushLine,
    private readonly store: Pick<EventStore, 'outboxIds'>,
    private readonly identity: DeviceIdentity | undefined,
  ) {}

  /**
   * Inside an append's transaction (Dexie calls only): claims its events when the socket
   * is open, the room proven and in its window, every older event of the room already
   * on the wire, the events fit one frame and each is signed by this browser's key.
   */
  async claim(events: readonly KafkyEvent[]): Promise<HandOver | null> {
    const socket = this.line.openSocket();
    const room = events[0]?.room;
    const ready = () =>
      socket !== null &&
      room !== undefined &&
      this.line.openSocket() === socket &&
      this.line.roomOpen(room, events.length);
    const { identity } = this;
    const signed = (e: KafkyEvent) => !identity || (e.author === identity.author && !!e.sig);
    if (!ready() || events.some((e) => e.room !== room || !signed(e))) return null;
    if ([...batches(events)].length !== 1) return null;
    const older = await this.store.outboxIds(room!);
    const onTheWire = (id: EventId) => this.line.inFlight(id) || this.acking.has(id);
    if (!ready() || !older.every(onTheWire)) return null;
    for (const event of events) this.handing.set(event.id, socket!);
    const wire = events.map(wireEvent);
    return {
      ids: new Set(events.map((e) => e.id)),
      settle: (committed) => this.settle(wire, socket!, committed),
    };
  }

  /** Whether an event is claimed and waiting for its append to commit. */
  has(id: EventId): boolean {
    return this.handing.has(id);
  }

  /** Stores acknowledgements with `store`; meanwhile their events count as on the wire. */
  async acknowledging<T>(ids: readonly EventId[], store: () => Promise<T>): Promise<T> {
    for (const id of ids) this.acking.add(id);
    try {
      return await store();
    } finally {
      for (const id of ids) this.acking.delete(id);
    }
  }

  private settle(events: WireEvent[], socket: SocketLike, committed: boolean): void {
    for (const event of events) this.handing.delete(event.id);
    // The socket dropped or the relay asked to wait meanwhile: they go as any other.
    if (committed && !this.line.push(socket, events)) this.line.flush();
  }
}
