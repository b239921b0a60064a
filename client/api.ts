/**
 * The one contract between a tab and the worker. Both sides import it; tabs see it
 * through Comlink as `Remote<KafkyApi>`, so every call is async and every callback a
 * tab passes must be wrapped in `Comlink.proxy`.
 */
import type { AnyEvent, AuthorId, Brand, ErrorCode, EventId, RoomId } from '../shared/index.ts';

export type SubscriptionId = Brand<number, 'SubscriptionId'>;

/** pending: stored in this browser only; delivered: durable at the relay; failed: refused by it. */
export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface MessageView {
  id: EventId;
  room: RoomId;
  author: AuthorId;
  authorName: string;
  text: string;
  /** The writer's clock, for display. */
  ts: number;
  /** The room's sequence once delivered. */
  seq: number | null;
  state: DeliveryState;
  own: boolean;
  /** Why the relay refused it, when failed. */
  error?: { code: ErrorCode; message: string };
}

export type ConnectionStatus = 'online' | 'connecting' | 'offline';

export interface ConnectionView {
  status: ConnectionStatus;
  /** Own events stored locally and not yet acknowledged by the relay. */
  pending: number;
}

export interface ProfileView {
  author: AuthorId;
  /** The name last set in the room, or null before the person chose one. */
  name: string | null;
}

/** Which of the bus's two emits a subscriber wants. */
export type Emit = 'eager' | 'kafked';

/** An event as the bus emits it: seq and rts are set once the relay has sequenced it. */
export type BusEvent = AnyEvent & { seq?: number; rts?: number };

export type Listener<T> = (value: T) => void | Promise<void>;

export interface KafkyApi {
  // Commands: each appends one event (and its projections) in one local transaction.
  sendMessage(room: RoomId, text: string): Promise<EventId>;
  setDisplayName(room: RoomId, name: string): Promise<EventId>;

  // Queries.
  getProfile(room: RoomId): Promise<ProfileView>;

  // Subscriptions: the listener is called at once with the current value, then on each change.
  watchMessages(
    room: RoomId,
    limit: number,
    listener: Listener<MessageView[]>,
  ): Promise<SubscriptionId>;
  watchProfile(room: RoomId, listener: Listener<ProfileView>): Promise<SubscriptionId>;
  watchConnection(listener: Listener<ConnectionView>): Promise<SubscriptionId>;
  /** Every event of the bus's chosen emit, as it happens. */
  onEvent(emit: Emit, listener: Listener<BusEvent>): Promise<SubscriptionId>;
  unsubscribe(id: SubscriptionId): Promise<void>;

  /**
   * What this tab's window says about the network (`navigator.onLine` and its events).
   * Tabs report it because not every browser fires these events in a SharedWorker;
   * the latest report wins, as every tab of a browser sees the same network.
   */
  reportNetwork(online: boolean): Promise<void>;

  /**
   * Ties this port's subscriptions to the tab's life: the tab holds the Web Lock of
   * this name until it dies, and the worker drops its subscriptions when it gets it.
   */
  bindToTab(lockName: string): Promise<void>;
}
