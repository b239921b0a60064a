import { isAuthorId, isRoomId, type RoomId } from '../../shared/index.ts';
import type { BusEvent, ConnectionStatus, Emit } from '../api.ts';
import type { ActivityState, RoomActivity } from './activity.ts';
import type { EventBus } from './bus.ts';
import type { RelayHeads } from './inspector/relay-heads.ts';

/** The part of BroadcastChannel used here, so tests can link two cores in memory. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  // Method-derived, so BroadcastChannel's handler type (with MessageEvent) still fits.
  onmessage: { handle(event: { data: unknown }): void }['handle'] | null;
  close(): void;
}

/** What a browser's cores tell each other when every tab runs its own core. */
type ChannelMessage =
  | { kind: 'bus'; emit: Emit; event: BusEvent }
  | { kind: 'status'; status: ConnectionStatus }
  | { kind: 'status?' }
  /** A follower's typing signal, for the leader's socket. */
  | { kind: 'typing'; room: RoomId; active: boolean }
  /** A room's typing and presence at the leader, for the followers to mirror. */
  | { kind: 'activity'; room: RoomId; activity: RoomActivity }
  /** The relay's heads as the leader last heard them, for the followers' inspectors. */
  | { kind: 'heads'; heads: Record<string, number> };

/** Where typing signals go out: the socket's owner. */
export interface TypingSink {
  sendTyping(room: RoomId, active: boolean): void;
}

/** Where the connection status comes from: the socket's owner. */
export interface StatusSource {
  readonly status: ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
}

const EMITS: readonly Emit[] = ['eager', 'kafked'];

/**
 * Joins one tab's core to the others of the browser over a BroadcastChannel, for
 * browsers without SharedWorker, where each tab runs its own core and one of them (the
 * leader) owns the socket. The buses become one: every emit on any core reaches every
 * core, so a follower's eager event nudges the leader to push, and the leader's KAFKED
 * emits reach every tab. The leader's connection status is mirrored to the followers,
 * and so is its typing and presence state (see `shareActivity`), while a follower's
 * typing signals go out through the leader's socket. IndexedDB is shared anyway, and
 * Dexie's live queries see other workers' writes.
 */
export class BrowserChannel implements StatusSource {
  private relaying = false;
  private remoteStatus: ConnectionStatus = 'connecting';
  private leader: StatusSource | null = null;
  private stopLeader: (() => void) | undefined;
  private typingSink: TypingSink | null = null;
  private activity: ActivityState | null = null;
  private stopActivity: (() => void) | undefined;
  private heads: RelayHeads | null = null;
  private stopHeads: (() => void) | undefined;
  private readonly listeners = new Set<(status: ConnectionStatus) => void>();
  private readonly stopBus: (() => void)[];

  constructor(
    private readonly channel: ChannelLike,
    private readonly bus: EventBus,
    private readonly log: Pick<Console, 'warn'> = console,
  ) {
    this.stopBus = EMITS.map((emit) =>
      bus.subscribe(emit, (event) => {
        // An event that came in from the channel is not sent back out.
        if (!this.relaying) this.post({ kind: 'bus', emit, event });
      }),
    );
    channel.onmessage = ({ data }) => {
      try {
        this.receive(data as ChannelMessage);
      } catch (error) {
        this.log.warn('kafky: could not handle a message from another tab', error);
      }
    };
    // A new follower asks the leader (if there is one yet) where the connection stands.
    this.post({ kind: 'status?' });
  }

  get status(): ConnectionStatus {
    return this.leader?.status ?? this.remoteStatus;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Mirrors typing and presence: the leader's changes go to every follower, and a
   * follower's `activity` copies the leader's. Call it right after construction.
   */
  shareActivity(activity: ActivityState): void {
    this.stopActivity?.();
    this.activity = activity;
    this.stopActivity = activity.onChange((room) => {
      // A follower's changes are the leader's, mirrored: not sent back.
      if (this.leader) this.postActivity(room);
    });
  }

  /** Mirrors the relay's heads from the leader to the followers, as `shareActivity` does. */
  shareHeads(heads: RelayHeads): void {
    this.stopHeads?.();
    this.heads = heads;
    this.stopHeads = heads.onChange(() => {
      if (this.leader) this.post({ kind: 'heads', heads: heads.all() });
    });
  }

  /** Sends a typing signal through whichever core owns the socket. */
  setTyping(room: RoomId, active: boolean): void {
    if (this.typingSink) this.typingSink.sendTyping(room, active);
    else if (!this.leader) this.post({ kind: 'typing', room, active });
  }

  /**
   * This core won the election: its socket's status is now the browser's, and typing
   * signals from every tab go out through `typing`.
   */
  lead(source: StatusSource, typing?: TypingSink): void {
    this.leader = source;
    this.typingSink = typing ?? null;
    // What it mirrored of the last leader is not what its own socket will say.
    this.activity?.clear();
    this.stopLeader = source.onStatus((status) => {
      this.post({ kind: 'status', status });
      this.notify();
    });
    this.post({ kind: 'status', status: source.status });
    this.notify();
  }

  close(): void {
    for (const stop of this.stopBus) stop();
    this.stopLeader?.();
    this.stopActivity?.();
    this.stopHeads?.();
    this.channel.onmessage = null;
    this.channel.close();
  }

  private receive(message: ChannelMessage): void {
    switch (message.kind) {
      case 'bus':
        if (!EMITS.includes(message.emit)) return;
        this.relaying = true;
        try {
          this.bus.emit(message.emit, [message.event]);
        } finally {
          this.relaying = false;
        }
        return;
      case 'status':
        if (this.leader) return;
        this.remoteStatus = message.status;
        // Without the leader's socket no one is known to type or be online any more.
        if (message.status !== 'online') this.activity?.clear();
        this.notify();
        return;
      case 'status?':
        if (!this.leader) return;
        this.post({ kind: 'status', status: this.leader.status });
        for (const room of this.activity?.activeRooms() ?? []) this.postActivity(room);
        if (this.heads) this.post({ kind: 'heads', heads: this.heads.all() });
        return;
      case 'typing':
        if (!this.typingSink) return;
        if (!isRoomId(message.room) || typeof message.active !== 'boolean') {
          throw new Error('a malformed typing signal');
        }
        this.typingSink.sendTyping(message.room, message.active);
        return;
      case 'activity':
        if (this.leader || !this.activity) return;
        if (!isRoomId(message.room) || !isRoomActivity(message.activity)) {
          throw new Error('a malformed activity update');
        }
        this.activity.load(message.room, message.activity);
        return;
      case 'heads':
        if (this.leader || !this.heads) return;
        this.heads.load(message.heads);
        return;
    }
  }

  private postActivity(room: RoomId): void {
    if (this.activity) this.post({ kind: 'activity', room, activity: this.activity.get(room) });
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.status);
  }

  private post(message: ChannelMessage): void {
    try {
      this.channel.postMessage(message);
    } catch (error) {
      this.log.warn('kafky: could not reach the other tabs', error);
    }
  }
}

function isRoomActivity(value: unknown): value is RoomActivity {
  const { typing, online, denied } = (value ?? {}) as Partial<Record<keyof RoomActivity, unknown>>;
  return (
    (denied === undefined || typeof denied === 'string') &&
    Array.isArray(online) &&
    online.every(isAuthorId) &&
    Array.isArray(typing) &&
    typing.every(
      (t: { author?: unknown; ttl?: unknown } | null) =>
        isAuthorId(t?.author) && typeof t?.ttl === 'number' && Number.isFinite(t.ttl),
    )
  );
}
