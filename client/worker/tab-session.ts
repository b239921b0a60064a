import { releaseProxy } from 'comlink';
import type { AuthorId, EventId, RoomId } from '../../shared/index.ts';
import type {
  ActivityView,
  BusEvent,
  ConnectionView,
  DeadLettersView,
  Emit,
  FailedCommandView,
  KafkyApi,
  Listener,
  LogFilter,
  LogPage,
  MessageView,
  OutboxView,
  ProcessId,
  ProfileView,
  ProjectionView,
  RebuildProgressView,
  RoomHeadView,
  RoomSummary,
  RoomView,
  SubscriptionId,
  TimelineView,
  TimelineWindow,
  RefusedEventsView,
  UnknownEventsView,
} from '../api.ts';
import { activityView } from './activity.ts';
import { watchNames, watchRooms, watchTimeline } from './live-views.ts';
import { roomHeads, type RoomCursor } from './inspector/inspector-queries.ts';
import type { KafkyCore, ReadSide } from './kafky-core.ts';
import type { SharedLive } from './shared-live.ts';

let nextSubscription = 1;

/**
 * The API one tab sees. Each tab gets its own session, so the subscriptions it opened
 * are dropped together when the tab goes away (see `bindToTab`).
 */
export class TabSession implements KafkyApi {
  private readonly subscriptions = new Map<SubscriptionId, () => void>();

  /** What live queries over the read models wait for: less than the whole core. */
  private readonly reads: Promise<ReadSide>;

  constructor(
    private readonly core: Promise<KafkyCore> & { reads?: Promise<ReadSide> },
    private readonly log: Pick<Console, 'error'> = console,
  ) {
    this.reads = core.reads ?? core;
  }

  async sendMessage(room: RoomId, text: string, replyTo?: EventId) {
    return (await this.core).commands.sendMessage(room, text, replyTo);
  }

  async editMessage(id: EventId, text: string) {
    return (await this.core).commands.editMessage(id, text);
  }

  async deleteMessage(id: EventId) {
    return (await this.core).commands.deleteMessage(id);
  }

  async toggleReaction(id: EventId, key: string) {
    return (await this.core).commands.toggleReaction(id, key);
  }

  async retryMessage(id: EventId) {
    return (await this.core).commands.retryMessage(id);
  }

  async discardMessage(id: EventId) {
    return (await this.core).commands.discardMessage(id);
  }

  async markRead(room: RoomId, through: EventId) {
    return (await this.core).commands.markRead(room, through);
  }

  async setDisplayName(name: string) {
    return (await this.core).commands.setDisplayName(name);
  }

  async createRoom(name: string) {
    return (await this.core).commands.createRoom(name);
  }

  async renameRoom(room: RoomId, name: string) {
    return (await this.core).commands.renameRoom(room, name);
  }

  async joinRoom(room: RoomId, secret?: string) {
    return (await this.core).commands.joinRoom(room, secret);
  }

  async roomSecret(room: RoomId) {
    return (await this.core).commands.roomSecret(room);
  }

  async leaveRoom(room: RoomId) {
    return (await this.core).commands.leaveRoom(room);
  }

  async setTyping(room: RoomId, active: boolean) {
    (await this.core).setTyping(room, active);
  }

  async dismissFailedCommand(id: ProcessId) {
    await (await this.core).processes.dismiss(id);
  }

  async getProfile() {
    return (await this.core).queries.profile();
  }

  async search(query: string, limit: number) {
    return (await this.core).queries.search(query, limit);
  }

  async getMessageSummary(id: EventId) {
    return (await this.core).queries.summary(id);
  }

  async watchMessages(room: RoomId, limit: number, listener: Listener<MessageView[]>) {
    const { queries, live } = await this.reads;
    return this.live(
      live,
      `messages ${room} ${limit}`,
      () => queries.messages(room, limit),
      listener,
    );
  }

  async watchTimeline(room: RoomId, window: TimelineWindow, listener: Listener<TimelineView>) {
    const { queries, live, author } = await this.reads;
    return this.view((send) => watchTimeline(live, queries, author, room, window, send), listener);
  }

  async watchRooms(listener: Listener<RoomSummary[]>) {
    const { queries, live } = await this.reads;
    return this.view((send) => watchRooms(live, queries, send), listener);
  }

  async watchRoom(room: RoomId, listener: Listener<RoomView>) {
    const { queries, live } = await this.reads;
    return this.live(live, `room ${room}`, () => queries.room(room), listener);
  }

  async watchProfile(listener: Listener<ProfileView>) {
    const { queries, live } = await this.reads;
    return this.live(live, 'profile', () => queries.profile(), listener);
  }

  async watchConnection(listener: Listener<ConnectionView>) {
    const { queries, connection, live } = await this.core;
    let pending = 0;
    const send = () => this.deliver(listener, { status: connection.status, pending });
    const stopStatus = connection.onStatus(send);
    const stopCounts = live.watch(
      'pending',
      () => queries.pendingCount(),
      (count) => {
        pending = count;
        send();
      },
    );
    return this.track(() => {
      stopStatus();
      stopCounts();
    }, listener);
  }

  async watchFailedCommands(listener: Listener<FailedCommandView[]>) {
    const { processes, live } = await this.core;
    return this.live(live, 'failed', () => processes.failed(), listener);
  }

  async watchActivity(room: RoomId, listener: Listener<ActivityView>) {
    const { queries, author, activity, live } = await this.core;
    let names: Map<AuthorId, string> | undefined;
    let last = '';
    const send = () => {
      if (!names) return;
      const view = activityView(activity.get(room), names, author);
      // A renewed typing signal changes nothing the tab shows.
      const key = JSON.stringify(view);
      if (key === last) return;
      last = key;
      this.deliver(listener, view);
    };
    const stopActivity = activity.onChange((changed) => {
      if (changed === room) send();
    });
    const stopMembers = watchNames(live, queries, room, (value) => {
      names = value;
      send();
    });
    return this.track(() => {
      stopActivity();
      stopMembers();
    }, listener);
  }

  async watchEventLog(
    filter: LogFilter,
    page: { before?: number; limit: number },
    listener: Listener<LogPage>,
  ) {
    const { inspector, live } = await this.core;
    const key = `log ${JSON.stringify([filter, page])}`;
    return this.live(live, key, () => inspector.log(filter, page), listener);
  }

  async watchOutbox(limit: number, listener: Listener<OutboxView>) {
    const { inspector, live } = await this.core;
    return this.live(live, `outbox ${limit}`, () => inspector.outbox(limit), listener);
  }

  async watchRoomHeads(listener: Listener<RoomHeadView[]>) {
    const { inspector, relayHeads, live } = await this.core;
    let rooms: RoomCursor[] | undefined;
    // The local heads are in IndexedDB, the relay's in memory: either changing sends both.
    const send = () => rooms && this.deliver(listener, roomHeads(rooms, relayHeads));
    const stopHeads = relayHeads.onChange(send);
    const stopCursors = live.watch(
      'cursors',
      () => inspector.rooms(),
      (value) => {
        rooms = value;
        send();
      },
    );
    return this.track(() => {
      stopHeads();
      stopCursors();
    }, listener);
  }

  async timeTravel(room: RoomId, through: EventId, limit: number) {
    return (await this.core).inspector.timeTravel(room, through, limit);
  }

  async watchProjections(listener: Listener<ProjectionView[]>) {
    const { projections, live } = await this.core;
    return this.live(live, 'projections', () => projections.projections(), listener);
  }

  async watchRebuildProgress(listener: Listener<RebuildProgressView>) {
    const { projections, live } = await this.core;
    return this.live(live, 'rebuild', () => projections.rebuildProgress(), listener);
  }

  async rebuildReadModels() {
    await (await this.core).store.rebuild();
  }

  async watchDeadLetters(limit: number, listener: Listener<DeadLettersView>) {
    const { projections, live } = await this.core;
    return this.live(live, `dead ${limit}`, () => projections.deadLetters(limit), listener);
  }

  async retryDeadLetter(projector: string, pos: number) {
    return (await this.core).store.retryDeadLetter({ projector, pos });
  }

  async retryDeadLetters() {
    return (await this.core).store.retryDeadLetters();
  }

  async watchUnknownEvents(limit: number, listener: Listener<UnknownEventsView>) {
    const { projections, live } = await this.core;
    return this.live(live, `unknown ${limit}`, () => projections.unknownEvents(limit), listener);
  }

  async watchRefusedEvents(limit: number, listener: Listener<RefusedEventsView>) {
    const { projections, live } = await this.core;
    return this.live(live, `refused ${limit}`, () => projections.refusedEvents(limit), listener);
  }

  async onEvent(emit: Emit, listener: Listener<BusEvent>) {
    const { bus } = await this.core;
    return this.track(
      bus.subscribe(emit, (event) => this.deliver(listener, event)),
      listener,
    );
  }

  unsubscribe(id: SubscriptionId): Promise<void> {
    this.subscriptions.get(id)?.();
    this.subscriptions.delete(id);
    return Promise.resolve();
  }

  async reportNetwork(online: boolean): Promise<void> {
    (await this.core).sync.setNetwork(online);
  }

  bindToTab(lockName: string): Promise<void> {
    // Granted only once the tab that holds it is gone, closed or crashed.
    navigator.locks
      .request(lockName, () => this.dispose())
      .catch((error: unknown) => this.log.error('kafky: could not watch the tab', error));
    return Promise.resolve();
  }

  dispose(): void {
    for (const stop of this.subscriptions.values()) stop();
    this.subscriptions.clear();
  }

  /** A live query shared with every tab asking the same (`key`): see SharedLive. */
  private live<T>(
    shared: SharedLive,
    key: string,
    query: () => Promise<T>,
    listener: Listener<T>,
  ): SubscriptionId {
    return this.view((send) => shared.watch(key, query, send), listener);
  }

  /** A view the worker keeps live (`watch` answers how to stop it), sent to the tab. */
  private view<T>(
    watch: (send: (value: T) => void) => () => void,
    listener: Listener<T>,
  ): SubscriptionId {
    return this.track(
      watch((value) => this.deliver(listener, value)),
      listener,
    );
  }

  private track<T>(stop: () => void, listener: Listener<T>): SubscriptionId {
    const id = nextSubscription++ as SubscriptionId;
    this.subscriptions.set(id, () => {
      stop();
      // The listener is a Comlink proxy to the tab: free its channel.
      (listener as Partial<Record<typeof releaseProxy, () => void>>)[releaseProxy]?.();
    });
    return id;
  }

  private deliver<T>(listener: Listener<T>, value: T): void {
    Promise.resolve(listener(value)).catch((error: unknown) =>
      this.log.error('kafky: a tab listener failed', error),
    );
  }
}
