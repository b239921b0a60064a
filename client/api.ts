/**
 * The one contract between a tab and the worker. Both sides import it; tabs see it
 * through Comlink as `Remote<KafkyApi>`, so every call is async and every callback a
 * tab passes must be wrapped in `Comlink.proxy`.
 */
import type { AnyEvent, AuthorId, Brand, ErrorCode, EventId, RoomId } from '../shared/index.ts';

export type SubscriptionId = Brand<number, 'SubscriptionId'>;

/** A command run as a persisted process (a saga): see client/worker/sagas. */
export type ProcessId = Brand<string, 'ProcessId'>;

/** pending: stored in this browser only; delivered: durable at the relay; failed: refused by it. */
export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** A reaction on a message, as the reader sees it. */
export interface ReactionView {
  key: string;
  count: number;
  /** Whether the reader's own reaction is among them. */
  mine: boolean;
  /** Who reacted, by display name, in the order they reacted. */
  names: string[];
}

/** What a reply shows of the message it answers. */
export interface QuoteView {
  id: EventId;
  /** Null when the message is not held here (not synced yet, or discarded). */
  authorName: string | null;
  /** A one-line plain preview; empty when deleted. */
  text: string;
  deleted: boolean;
}

export interface MessageView {
  id: EventId;
  room: RoomId;
  author: AuthorId;
  /** The author's name in this room, with a short id added where two people share it. */
  authorName: string;
  /** The text after its author's edits; empty once deleted. */
  text: string;
  /** The writer's clock, for display. */
  ts: number;
  /** The room's sequence once delivered. */
  seq: number | null;
  state: DeliveryState;
  own: boolean;
  edited: boolean;
  deleted: boolean;
  reactions: ReactionView[];
  replyTo?: QuoteView;
  /** Why the relay refused it, when failed. */
  error?: { code: ErrorCode; message: string };
}

/**
 * A message from someone else that the relay has stored and forwarded, its signature
 * checked, and that this browser has not stored yet: the worker tells the tabs of it on
 * the BroadcastChannel `INCOMING_CHANNEL` so they show it at once, and drop it when
 * their timeline holds it (or give it up; it comes again with the next catch-up).
 */
export interface IncomingNote {
  id: EventId;
  room: RoomId;
  author: AuthorId;
  text: string;
  ts: number;
  seq: number;
  replyTo?: EventId;
}

/** The BroadcastChannel that carries `IncomingNote[]` from the worker to the tabs. */
export const INCOMING_CHANNEL = 'kafky-incoming';

/**
 * Which part of a room's history a view shows: the latest messages (and new ones as
 * they come), or the messages around one message (for scrolling far up, or a jump).
 */
export type TimelineWindow =
  | { kind: 'latest'; limit: number }
  | { kind: 'around'; anchor: EventId; before: number; after: number };

/** A window of a room's history, oldest first, and whether there is more either side. */
export interface TimelineView {
  messages: MessageView[];
  hasOlder: boolean;
  hasNewer: boolean;
  /** False when an `around` anchor is not held here: the view shows the latest instead. */
  anchored: boolean;
  /**
   * The first message after history this browser does not hold yet: a long room's newest
   * events come first and its history after them, so the view marks the place above this
   * one until the rest has arrived. Null when nothing is missing in the window.
   */
  arriving: EventId | null;
}

/** A message found by search, with what the result list shows of it. */
export interface SearchHit {
  id: EventId;
  room: RoomId;
  roomName: string;
  authorName: string;
  /** A one-line plain preview of the text. */
  text: string;
  ts: number;
}

/** A room in the room list. */
export interface RoomSummary {
  room: RoomId;
  /** The room's name, or its id until its first event has arrived. */
  name: string;
  /** Messages of others after the reader's read position and their own latest message. */
  unread: number;
  /** Of those, how many mention the reader by name. */
  mentions: number;
  lastMessage: { authorName: string; text: string; ts: number; deleted: boolean } | null;
}

export interface MemberView {
  author: AuthorId;
  /** As shown: disambiguated like `MessageView.authorName`. */
  name: string;
  own: boolean;
}

/** One room as its header and its message list need it. */
export interface RoomView {
  room: RoomId;
  name: string;
  /** Whether this browser is in the room (has joined and not left). */
  joined: boolean;
  members: MemberView[];
  /** The reader's read position: the last message read, if any. */
  readThrough: EventId | null;
}

/**
 * A room's ephemeral activity: who is typing and who is online, from the relay's
 * signals. Never stored; empty while the browser is not connected.
 */
export interface ActivityView {
  /** Who is typing in the room now, by name, in the order they started; never the reader. */
  typing: string[];
  /** Who is in the room with Kafky open and connected right now, the reader included. */
  online: MemberView[];
  /**
   * Why the relay will not let this browser read the room (it holds no proof of the
   * room's secret: opened by its id, not its invite link); null when it may.
   */
  denied: string | null;
}

export type ConnectionStatus = 'online' | 'connecting' | 'offline';

export interface ConnectionView {
  status: ConnectionStatus;
  /** Own events stored locally and not yet acknowledged by the relay. */
  pending: number;
}

export interface ProfileView {
  author: AuthorId;
  /** The name this person chose, or null before they chose one. */
  name: string | null;
}

/** Which of the bus's two emits a subscriber wants. */
export type Emit = 'eager' | 'kafked';

/** An event as the bus emits it: seq and rts are set once the relay has sequenced it. */
export type BusEvent = AnyEvent & { seq?: number; rts?: number };

export type Listener<T> = (value: T) => void | Promise<void>;

/**
 * Where an event of the local log stands: refused ones carry the relay's reason; local
 * ones (the compensations of refused commands) never leave this browser.
 */
export type LogEventState = 'pending' | 'delivered' | 'refused' | 'local';

/** One event of this browser's log, as the inspector lists it. */
export interface LogEventView {
  /** Its place in this browser's log. */
  pos: number;
  id: EventId;
  room: RoomId;
  roomName: string;
  /** The room's sequence, once the relay has given it one. */
  seq: number | null;
  type: string;
  v: number;
  author: AuthorId;
  authorName: string;
  /** The writer's clock. */
  ts: number;
  state: LogEventState;
  reason?: { code: ErrorCode; message: string };
}

/** Which events of the log to list: any room and type when left out. */
export interface LogFilter {
  room?: RoomId;
  type?: string;
}

/** A page of the log, newest first. */
export interface LogPage {
  events: LogEventView[];
  /** How many events pass the filter. */
  total: number;
  /** Where the next older page starts (its `before`), or null on the oldest page. */
  older: number | null;
}

/** An own event waiting for the relay: a draft until handed to a socket, then pushed. */
export interface OutboxEntryView {
  pos: number;
  id: EventId;
  room: RoomId;
  roomName: string;
  type: string | null;
  state: 'draft' | 'pushed';
}

/** The outbox, oldest first (the order it goes out in). */
export interface OutboxView {
  entries: OutboxEntryView[];
  total: number;
}

/** How far a room's log here is behind the relay's. */
export interface RoomHeadView {
  room: RoomId;
  name: string;
  /** Every sequence up to here is held in this browser. */
  localHead: number;
  /** The relay's head as last heard (null before its first `caught-up` since start). */
  relayHead: number | null;
  /** relayHead - localHead, when the relay's head is known. */
  lag: number | null;
  left: boolean;
}

/** A room as it was just after one of its events, replayed in memory from the log. */
export interface TimeTravelView {
  room: RoomId;
  /** The event the room is shown just after. */
  through: { id: EventId; pos: number; seq: number | null; type: string };
  /** How many of the room's events led here. */
  replayed: number;
  name: string;
  members: MemberView[];
  /** A window of the room's messages as they were, oldest first, around `focus` if set. */
  messages: MessageView[];
  totalMessages: number;
  /** The message the event wrote or changed, if it is one of those. */
  focus: EventId | null;
}

/** One projector: its version and how far its read models follow the local log. */
export interface ProjectionView {
  name: string;
  version: number;
  /** The newest position of the local log its read models reflect. */
  position: number;
  /** While its read models are being built from the log: how far, from 0 to 1. */
  rebuilding: { progress: number } | null;
}

/** Read models being built from the log (after an upgrade, or on request), if any. */
export interface RebuildProgressView {
  /** The projectors building, with how far each is, from 0 to 1. */
  building: { name: string; progress: number }[];
}

/** An event that made a projector throw, set aside so projection went on without it. */
export interface DeadLetterView {
  /** The projector that threw, or `schema` for an event failing its own schema. */
  projector: string;
  pos: number;
  id: EventId;
  room: RoomId;
  type: string;
  v: number;
  error: string;
  /** When it last failed, by this browser's clock. */
  failedAt: number;
}

export interface DeadLettersView {
  total: number;
  /** The oldest first, by their place in the log. */
  letters: DeadLetterView[];
}

/** An event of a type or version this version of Kafky does not know: kept, not shown. */
export interface UnknownEventView {
  pos: number;
  id: EventId;
  room: RoomId;
  type: string;
  v: number;
}

export interface UnknownEventsView {
  total: number;
  /** The oldest first, by their place in the log. */
  events: UnknownEventView[];
}

/**
 * An event from the relay whose signature does not hold (forged, tampered with, or
 * unsigned): never stored in the log nor projected, kept aside to be seen here.
 */
export interface RefusedEventView {
  id: string;
  room: RoomId;
  seq: number;
  author: string;
  type: string;
  /** Why its signature does not hold. */
  reason: string;
  /** When it arrived, by this browser's clock. */
  received: number;
}

export interface RefusedEventsView {
  total: number;
  /** The oldest first. */
  events: RefusedEventView[];
}

/**
 * A command the relay refused part-way, whose earlier steps were undone here: kept
 * until the person has read why (say, a room that could not be created).
 */
export interface FailedCommandView {
  id: ProcessId;
  /** What was asked for, in a few words: "Creating the room “Plans”". */
  what: string;
  /** The room it would have made, if any: not followed here any more. */
  room?: RoomId;
  error: { code: ErrorCode; message: string };
  /** When it was asked for, by this browser's clock. */
  created: number;
}

export interface KafkyApi {
  // Commands: each appends its events (and their projections) in one local transaction.
  sendMessage(room: RoomId, text: string, replyTo?: EventId): Promise<EventId>;
  /** Replaces an own message's text; a message still waiting to be sent is changed before it goes. */
  editMessage(id: EventId, text: string): Promise<void>;
  /** Takes an own message back; one still waiting to be sent is dropped and never goes. */
  deleteMessage(id: EventId): Promise<void>;
  /** Puts the reader's reaction `key` on a message, or takes it off if it is there. */
  toggleReaction(id: EventId, key: string): Promise<void>;
  /** Sends a refused message again, as it was. */
  retryMessage(id: EventId): Promise<void>;
  /** Drops a refused message from this browser: it never reached anyone. */
  discardMessage(id: EventId): Promise<void>;
  markRead(room: RoomId, through: EventId): Promise<void>;
  /** Sets the name others see, in every room this browser is in. */
  setDisplayName(name: string): Promise<void>;
  createRoom(name: string): Promise<RoomId>;
  renameRoom(room: RoomId, name: string): Promise<void>;
  /** Joins a room (from an invite link): from now on this browser syncs it. */
  /** Joins a room; `secret` comes from its invite link (none for an open room). */
  joinRoom(room: RoomId, secret?: string): Promise<void>;
  /** The secret for the room's invite links; null for an open room (the lobby). */
  roomSecret(room: RoomId): Promise<string | null>;
  leaveRoom(room: RoomId): Promise<void>;
  /**
   * Tells the room the reader is typing (`true`, repeated every few seconds while they
   * type) or stopped (`false`). Ephemeral: stored nowhere, dropped when not connected.
   */
  setTyping(room: RoomId, active: boolean): Promise<void>;
  /** Forgets a failed command once the person has read why. */
  dismissFailedCommand(id: ProcessId): Promise<void>;

  // Queries.
  getProfile(): Promise<ProfileView>;
  /** Messages in the rooms held here that contain every word of `query` (the last as a prefix), newest first. */
  search(query: string, limit: number): Promise<SearchHit[]>;
  /** One message as a search result or a notification shows it; null if not held here. */
  getMessageSummary(id: EventId): Promise<SearchHit | null>;

  // Subscriptions: the listener is called at once with the current value, then on each change.
  watchMessages(
    room: RoomId,
    limit: number,
    listener: Listener<MessageView[]>,
  ): Promise<SubscriptionId>;
  /** A window of a room's history that follows every change inside it. */
  watchTimeline(
    room: RoomId,
    window: TimelineWindow,
    listener: Listener<TimelineView>,
  ): Promise<SubscriptionId>;
  watchRooms(listener: Listener<RoomSummary[]>): Promise<SubscriptionId>;
  watchRoom(room: RoomId, listener: Listener<RoomView>): Promise<SubscriptionId>;
  watchProfile(listener: Listener<ProfileView>): Promise<SubscriptionId>;
  watchConnection(listener: Listener<ConnectionView>): Promise<SubscriptionId>;
  /** Who is typing and who is online in a room, as it changes. */
  watchActivity(room: RoomId, listener: Listener<ActivityView>): Promise<SubscriptionId>;
  /** Commands the relay refused part-way, oldest first (see `FailedCommandView`). */
  watchFailedCommands(listener: Listener<FailedCommandView[]>): Promise<SubscriptionId>;
  // The inspector: read-only views of the log and its machinery.
  /** A page of the local log, newest first, before position `before` (from the newest without it). */
  watchEventLog(
    filter: LogFilter,
    page: { before?: number; limit: number },
    listener: Listener<LogPage>,
  ): Promise<SubscriptionId>;
  watchOutbox(limit: number, listener: Listener<OutboxView>): Promise<SubscriptionId>;
  /** Each room's local head against the relay's. */
  watchRoomHeads(listener: Listener<RoomHeadView[]>): Promise<SubscriptionId>;
  /**
   * The room as it was just after event `through`, at most `limit` messages of it:
   * replayed in memory, never touching the read models. Null if the event is not held.
   */
  timeTravel(room: RoomId, through: EventId, limit: number): Promise<TimeTravelView | null>;
  /** Each projector's version and position, and its build when one runs. */
  watchProjections(listener: Listener<ProjectionView[]>): Promise<SubscriptionId>;
  /** Builds in progress, as they advance: only when that changes. */
  watchRebuildProgress(listener: Listener<RebuildProgressView>): Promise<SubscriptionId>;
  /**
   * Clears every read model and builds them again from the log, a chunk at a time
   * (progress through `watchRebuildProgress`); resolves when done.
   */
  rebuildReadModels(): Promise<void>;
  watchDeadLetters(limit: number, listener: Listener<DeadLettersView>): Promise<SubscriptionId>;
  /** Projects a dead letter's event again; true when it went through (the letter is gone). */
  retryDeadLetter(projector: string, pos: number): Promise<boolean>;
  retryDeadLetters(): Promise<{ retried: number; failed: number }>;
  /** Events of types or versions this version does not know: kept and synced, not shown. */
  watchUnknownEvents(limit: number, listener: Listener<UnknownEventsView>): Promise<SubscriptionId>;
  /** Events refused for their signature, oldest first (see `RefusedEventView`). */
  watchRefusedEvents(limit: number, listener: Listener<RefusedEventsView>): Promise<SubscriptionId>;

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
