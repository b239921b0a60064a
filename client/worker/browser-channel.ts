import type { BusEvent, ConnectionStatus, Emit } from '../api.ts';
import type { EventBus } from './bus.ts';

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
  | { kind: 'status?' };

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
 * emits reach every tab. The leader's connection status is mirrored to the followers.
 * IndexedDB is shared anyway, and Dexie's live queries see other workers' writes.
 */
export class BrowserChannel implements StatusSource {
  private relaying = false;
  private remoteStatus: ConnectionStatus = 'connecting';
  private leader: StatusSource | null = null;
  private stopLeader: (() => void) | undefined;
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

  /** This core won the election: its socket's status is now the browser's. */
  lead(source: StatusSource): void {
    this.leader = source;
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
        this.notify();
        return;
      case 'status?':
        if (this.leader) this.post({ kind: 'status', status: this.leader.status });
        return;
    }
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
