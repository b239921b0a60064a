import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import type { EventId, RoomId } from '../../shared/ids.ts';
import type { MessageView, ProfileView, RoomView, TimelineView, TimelineWindow } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { MessageActions, ReplyEvent } from './message-actions.ts';
import { messageSelector, renderMessage } from './message-item.ts';
import { messageListStyles } from './message-list-styles.ts';
import { prepareParser, sameParseOptions } from './message-text-cache.ts';
import type { ParseOptions } from './message-text.ts';
import { incoming, withIncoming } from './incoming.ts';
import { outgoing, withOutgoing, type Outgoing } from './outgoing.ts';
import { ReadMarker, dividerIndex, readTarget } from './read-marker.ts';
import { LATEST, atEnd, around, nearBottom, nearTop } from './timeline-window.ts';
import { WatchController } from './watch-controller.ts';

export { ReplyEvent };

/**
 * A room opens with this many of its latest messages in the DOM (more than a screen
 * holds), and the rest of the window a frame later: the latest show sooner.
 */
const FIRST_RENDER = 30;

/** The conversation of one room, live from the worker's read model. */
export class KafkyMessageList extends LitElement {
  static override properties = {
    connection: { attribute: false },
    room: {},
    window: { state: true },
    following: { state: true },
    target: { attribute: false },
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;
  declare window: TimelineWindow;
  /** A message to bring into view, from the URL. */
  declare target: EventId | null;
  /**
   * Whether the reader is at the end of the room, so new messages scroll into view. Set
   * by where they scroll to (and by opening a room or jumping to the latest), never by
   * content changing under them: a list that grows, or a log that shrinks, still follows.
   */
  declare following: boolean;

  private readonly timeline = new WatchController<TimelineView>(
    this,
    (api, listener) => api.watchTimeline(this.room, this.window, listener),
    () => `${this.room} ${JSON.stringify(this.window)}`,
    // Moving the window within a room keeps the messages on screen until the new ones come.
    (before, after) => before.split(' ')[0] === after.split(' ')[0],
  );
  /** A message to keep in place on screen while the window moves, or to bring into view. */
  private keep: { id: EventId; top: number } | null = null;
  private reveal: EventId | null = null;
  private readonly roomView = new WatchController<RoomView>(
    this,
    (api, listener) => api.watchRoom(this.room, listener),
    () => this.room,
  );
  private readonly profile = new WatchController<ProfileView>(this, (api, listener) =>
    api.watchProfile(listener),
  );
  private readonly reads = new ReadMarker(
    (room, through) => this.connection?.api.markRead(room, through) ?? Promise.resolve(),
  );
  /** Where the reader had read to when they opened the room: the "new messages" line. */
  private divider: { room: RoomId; after: EventId | null } | null = null;
  /** How message texts are parsed; a new object only when the names in it change. */
  private textOptions: ParseOptions = {};
  /** Keeps the end in view while following, whatever changes the log's or the list's size. */
  private readonly resized = new ResizeObserver(() => this.pinToEnd());
  private observed: Element | null = null;
  private stopOutgoing = (): void => undefined;
  private stopIncoming = (): void => undefined;
  /**
   * The key a message shown while being sent had, by the id it has now: keeping it lets
   * the list update that item in place rather than replace it.
   */
  private readonly sentKeys = new Map<EventId, string>();
  private readonly actions = new MessageActions(this, (id) => this.jumpTo(id));
  /** Whether only the latest FIRST_RENDER messages are in the DOM yet, and what next. */
  private partial: 'first' | 'completing' | false = 'first';

  constructor() {
    super();
    this.window = LATEST;
    this.following = true;
  }

  private get messages(): MessageView[] | undefined {
    return this.timeline.value?.messages;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.onVisibility);
    this.stopOutgoing = outgoing.subscribe(this.onOutgoing);
    this.stopIncoming = incoming.subscribe(() => this.requestUpdate());
    if ('requestIdleCallback' in window) requestIdleCallback(prepareParser);
    else setTimeout(prepareParser);
  }

  override disconnectedCallback(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.stopOutgoing();
    this.stopIncoming();
    this.reads.flush();
    this.resized.disconnect();
    this.observed = null;
    super.disconnectedCallback();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('room')) {
      this.reads.flush();
      this.actions.reset();
      this.following = true;
      this.window = LATEST;
      this.partial = 'first';
    }
    if (changed.has('target') && this.target) this.jumpTo(this.target);
    const view = this.roomView.value;
    if (view?.room === this.room && this.divider?.room !== this.room) {
      this.divider = { room: this.room, after: view.readThrough };
    }
    const ownName = this.profile.value?.name;
    const text = {
      mentionNames: view?.members.map((m) => m.name) ?? [],
      ...(ownName ? { ownName } : {}),
    };
    if (!sameParseOptions(text, this.textOptions)) this.textOptions = text;
  }

  override updated(): void {
    const log = this.renderRoot.querySelector('[role="log"]');
    if (!log) return;
    if (log !== this.observed) {
      this.resized.disconnect();
      this.resized.observe(log);
      this.resized.observe(log.querySelector('ol')!);
      this.observed = log;
    }
    // Wait for the moved window's own messages before putting the reader back.
    if ((this.keep || this.reveal) && !this.timeline.fresh) return;
    const kept = this.keep && this.item(this.keep.id);
    if (this.keep) {
      // The window moved under the reader: put the message they were looking at back.
      if (kept) log.scrollTop += kept.getBoundingClientRect().top - this.keep.top;
      this.keep = null;
    } else if (this.reveal) {
      const target = this.item(this.reveal);
      if (target) this.highlight(target);
      else this.actions.say('That message is not held in this browser.');
      this.reveal = null;
    } else {
      this.pinToEnd();
    }
    if (this.partial === 'first' && this.timeline.fresh) {
      this.partial = 'completing';
      const room = this.room;
      // After the frame that paints the latest messages (of this room, if still shown).
      requestAnimationFrame(() =>
        setTimeout(() => {
          if (this.room !== room) return;
          this.partial = false;
          this.requestUpdate();
        }),
      );
    }
    this.markRead();
  }

  /** Scrolls to the end while the reader follows the latest messages. */
  private pinToEnd(): void {
    const log = this.observed;
    if (!log || !this.following || this.window.kind !== 'latest' || this.keep || this.reveal) {
      return;
    }
    if (log.scrollTop + log.clientHeight < log.scrollHeight) log.scrollTop = log.scrollHeight;
  }

  override render() {
    const all = this.shown();
    const first = this.partial && this.window.kind === 'latest';
    const messages = first && all ? all.slice(-FIRST_RENDER) : all;
    const provisionalFrom =
      (messages?.length ?? 0) - ((all?.length ?? 0) - (this.messages?.length ?? 0));
    const divider = this.divider?.room === this.room ? this.divider : null;
    const dividerAt = divider ? dividerIndex(messages ?? [], divider.after) : -1;
    const text = this.textOptions;
    const arriving = this.timeline.value?.arriving ?? null;
    return html`
      <section role="log" aria-label="Messages" tabindex="0" @scroll=${this.onScroll}>
        ${
          messages === undefined
            ? html`<p class="note">Loading…</p>`
            : messages.length === 0
              ? html`<p class="note">No messages yet. Say hello!</p>`
              : nothing
        }
        ${
          this.timeline.value?.hasOlder
            ? html`<p class="note">Scroll up for older messages</p>`
            : nothing
        }
        <ol>
          ${repeat(
            messages ?? [],
            (m) => this.sentKeys.get(m.id) ?? m.id,
            (m, i) => {
              const mode = this.actions.modeOf(m.id);
              const provisional = i >= provisionalFrom;
              // Rows come as new objects with every update; most have not changed, and
              // rendering them again is what made every new message cost the whole list.
              return html`${
                m.id === arriving
                  ? html`<li role="separator" class="divider arriving">
                      Earlier messages are still arriving…
                    </li>`
                  : nothing
              }${
                i === dividerAt
                  ? html`<li role="separator" class="divider">New messages</li>`
                  : nothing
              }${guard([JSON.stringify(m), mode, text, provisional], () =>
                renderMessage(m, { mode, text, act: this.actions.act, provisional }),
              )}`;
            },
          )}
        </ol>
      </section>
      ${
        this.timeline.value?.hasNewer || !this.following
          ? html`<button type="button" class="quiet latest" @click=${this.toLatest}>
              Jump to latest messages
            </button>`
          : nothing
      }
      <p class="notice" aria-live="polite">${this.actions.notice}</p>
    `;
  }

  private item(id: EventId): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>(messageSelector(id));
  }

  /** Brings a message into view, loading the history around it if it is far away. */
  private jumpTo(id: EventId): void {
    const item = this.item(id);
    if (item) {
      this.highlight(item);
      return;
    }
    this.reveal = id;
    this.window = around(id);
  }

  private highlight(item: HTMLElement): void {
    item.scrollIntoView({ block: 'center' });
    item.focus();
    item.classList.add('highlight');
    setTimeout(() => item.classList.remove('highlight'), 2000);
  }

  /** The latest messages and, after them, those being sent that the worker has not shown yet. */
  private shown(): readonly MessageView[] | undefined {
    const messages = this.messages;
    const profile = this.profile.value;
    if (!messages || !profile || this.window.kind !== 'latest' || !this.timeline.fresh) {
      return messages;
    }
    const own = this.roomView.value?.members.find((m) => m.own)?.name;
    const me = { author: profile.author, name: own ?? profile.name ?? '' };
    // Others' messages verified and not stored yet, shown as own ones being sent are.
    const view = this.roomView.value?.room === this.room ? this.roomView.value : undefined;
    const early = withIncoming(messages, incoming.of(this.room), view?.members ?? [], (id) =>
      incoming.forget(id),
    );
    return withOutgoing(early, outgoing.of(this.room), me, (key, id) => {
      outgoing.forget(key);
      this.sentKeys.set(id, key);
      if (this.sentKeys.size > LATEST.limit)
        this.sentKeys.delete(this.sentKeys.keys().next().value!);
    });
  }

  /** A message sent from this tab is followed to the end of the room, where it shows. */
  private readonly onOutgoing = (added: Outgoing | null): void => {
    if (added?.room === this.room) this.toLatest();
    this.requestUpdate();
  };

  private readonly toLatest = (): void => {
    this.window = LATEST;
    this.following = true;
  };

  /** Moves the window when the reader nears an edge that has more beyond it. */
  private page(log: Element): void {
    const view = this.timeline.value;
    // Until the new window's messages come (all of them), the ones shown are the old window's.
    if (!view || !this.timeline.fresh || this.partial || this.keep || this.reveal) return;
    const first = view.messages[0];
    const last = view.messages.at(-1);
    if (nearTop(log) && view.hasOlder && first) {
      this.moveWindow(first.id);
    } else if (nearBottom(log) && view.hasNewer && last) {
      this.moveWindow(last.id);
    } else if (this.following && !view.hasNewer && this.window.kind === 'around') {
      // Back at the end of the history: follow new messages again.
      if (last)
        this.keep = { id: last.id, top: this.item(last.id)?.getBoundingClientRect().top ?? 0 };
      this.window = LATEST;
    }
  }

  private moveWindow(anchor: EventId, after?: number): void {
    const top = this.item(anchor)?.getBoundingClientRect().top ?? 0;
    this.keep = { id: anchor, top };
    this.window = around(anchor, after);
  }

  /**
   * The reader left the end: hold what they see in place, rather than let new messages
   * slide it out of the latest window. New ones still come in below, up to a bound.
   */
  private hold(): void {
    const view = this.timeline.value;
    const first = view?.messages[0];
    if (this.window.kind !== 'latest' || !this.timeline.fresh || this.partial) return;
    if (this.keep || this.reveal) return;
    if (first) this.moveWindow(first.id, view.messages.length + LATEST.limit);
  }

  /** Reading is looking: the latest messages count as read once on a visible screen. */
  private markRead(): void {
    const timeline = this.timeline.value;
    const view = this.roomView.value;
    if (!timeline || !this.timeline.fresh || !view?.joined || view.room !== this.room) return;
    if (this.window.kind !== 'latest' || !this.following) return;
    if (document.visibilityState !== 'visible') return;
    const through = readTarget(timeline.messages, view.readThrough, timeline.hasOlder);
    if (through && through !== view.readThrough) this.reads.mark(this.room, through);
  }

  private readonly onScroll = (): void => {
    const log = this.renderRoot.querySelector('[role="log"]');
    if (!log) return;
    const following = atEnd(log);
    if (this.following && !following) this.hold();
    this.following = following;
    this.page(log);
    this.markRead();
  };

  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'visible') this.markRead();
    else this.reads.flush();
  };

  static override styles = messageListStyles;
}

customElements.define('kafky-message-list', KafkyMessageList);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-message-list': KafkyMessageList;
  }
  interface HTMLElementEventMap {
    'kafky-reply': ReplyEvent;
  }
}
