import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { EventId, RoomId } from '../../shared/ids.ts';
import type { MessageView, ProfileView, RoomView, TimelineView, TimelineWindow } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import {
  messageSelector,
  renderMessage,
  type ItemAction,
  type ItemContext,
  type ItemMode,
} from './message-item.ts';
import { messageListStyles } from './message-list-styles.ts';
import { WatchController } from './watch-controller.ts';

/**
 * How much history is in the DOM: the latest messages, or a window around the part the
 * reader scrolled (or jumped) to. Scrolling near an edge moves the window, so a room of
 * 100,000 messages costs what a room of a few hundred does.
 */
const LATEST: TimelineWindow = { kind: 'latest', limit: 150 };
const PAGE = 100;
/** How close to an edge, in pixels, counts as reaching it. */
const EDGE = 300;

/** Asks the composer to answer a message; the app passes it on. */
export class ReplyEvent extends Event {
  constructor(readonly message: MessageView) {
    super('kafky-reply', { bubbles: true, composed: true });
  }
}

/** The conversation of one room, live from the worker's read model. */
export class KafkyMessageList extends LitElement {
  static override properties = {
    connection: { attribute: false },
    room: {},
    active: { state: true },
    notice: { state: true },
    window: { state: true },
    target: { attribute: false },
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;
  /** The message being edited, reacted to or deleted, and how. */
  declare active: { id: EventId; mode: NonNullable<ItemMode> } | null;
  declare notice: string;
  declare window: TimelineWindow;
  /** A message to bring into view, from the URL. */
  declare target: EventId | null;

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
  private stickToBottom = true;
  private lastMarked: EventId | null = null;
  /** Where the reader had read to when they opened the room: the "new messages" line. */
  private divider: { room: RoomId; after: EventId | null } | null = null;

  constructor() {
    super();
    this.active = null;
    this.notice = '';
    this.window = LATEST;
  }

  private get messages(): MessageView[] | undefined {
    return this.timeline.value?.messages;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  override disconnectedCallback(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    super.disconnectedCallback();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('room')) {
      this.active = null;
      this.stickToBottom = true;
      this.window = LATEST;
    }
    if (changed.has('target') && this.target) this.jumpTo(this.target);
    const log = this.renderRoot.querySelector?.('[role="log"]');
    if (log && this.window.kind === 'latest') {
      this.stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    }
    const view = this.roomView.value;
    if (view?.room === this.room && this.divider?.room !== this.room) {
      this.divider = { room: this.room, after: view.readThrough };
    }
  }

  override updated(): void {
    const log = this.renderRoot.querySelector('[role="log"]');
    if (!log) return;
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
      else this.notice = 'That message is not held in this browser.';
      this.reveal = null;
    } else if (this.window.kind === 'latest' && this.stickToBottom) {
      log.scrollTop = log.scrollHeight;
    }
    this.markRead();
  }

  override render() {
    const messages = this.messages;
    const view = this.roomView.value;
    const mentionNames = view?.members.map((m) => m.name) ?? [];
    const ownName = this.profile.value?.name ?? null;
    const dividerAt = this.dividerIndex(messages ?? []);
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
            (m) => m.id,
            (m, i) =>
              html`${
                i === dividerAt
                  ? html`<li role="separator" class="divider">New messages</li>`
                  : nothing
              }${renderMessage(m, this.context(m, mentionNames, ownName))}`,
          )}
        </ol>
      </section>
      ${
        this.timeline.value?.hasNewer
          ? html`<button type="button" class="quiet latest" @click=${this.toLatest}>
              Jump to latest messages
            </button>`
          : nothing
      }
      <p class="notice" aria-live="polite">${this.notice}</p>
    `;
  }

  private context(m: MessageView, mentionNames: string[], ownName: string | null): ItemContext {
    return {
      mode: this.active?.id === m.id ? this.active.mode : null,
      mentionNames,
      ownName,
      act: (action, message, value) => this.act(action, message, value),
    };
  }

  /** The index of the first message of someone else after the reader's old position. */
  private dividerIndex(messages: readonly MessageView[]): number {
    if (!this.divider || this.divider.room !== this.room) return -1;
    const after = this.divider.after;
    const start = after === null ? 0 : messages.findIndex((m) => m.id === after) + 1;
    if (after !== null && start === 0) return -1;
    const index = messages.findIndex((m, i) => i >= start && !m.own);
    return index;
  }

  private act(action: ItemAction, m: MessageView, value?: string): void {
    const api = this.connection?.api;
    if (!api) return;
    switch (action) {
      case 'reply':
        this.dispatchEvent(new ReplyEvent(m));
        return;
      case 'react':
        this.active = this.active?.mode === 'reacting' ? null : { id: m.id, mode: 'reacting' };
        return;
      case 'edit':
        this.active = { id: m.id, mode: 'editing' };
        void this.focusIn(m.id, 'textarea');
        return;
      case 'delete':
        this.active = { id: m.id, mode: 'confirm-delete' };
        void this.focusIn(m.id, '.danger');
        return;
      case 'cancel':
        this.active = null;
        void this.focusIn(m.id);
        return;
      case 'jump':
        this.jumpTo(value as EventId);
        return;
      case 'toggle-reaction':
        this.run(api.toggleReaction(m.id, value ?? ''), m.id);
        return;
      case 'save-edit':
        if (!value?.trim()) return;
        this.run(api.editMessage(m.id, value), m.id);
        return;
      case 'confirm-delete':
        this.run(api.deleteMessage(m.id), m.id);
        return;
      case 'retry':
        this.run(api.retryMessage(m.id), m.id);
        return;
      case 'discard':
        this.run(api.discardMessage(m.id), null);
        return;
    }
  }

  private run(action: Promise<unknown>, focus: EventId | null): void {
    action.then(
      () => {
        this.active = null;
        this.notice = '';
        if (focus) void this.focusIn(focus);
      },
      (error: unknown) => (this.notice = `Not done: ${(error as Error).message}`),
    );
  }

  private async focusIn(id: EventId, selector?: string): Promise<void> {
    await this.updateComplete;
    const item = this.renderRoot.querySelector<HTMLElement>(messageSelector(id));
    (selector ? item?.querySelector<HTMLElement>(selector) : item)?.focus();
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
    this.window = { kind: 'around', anchor: id, before: PAGE, after: PAGE };
  }

  private highlight(item: HTMLElement): void {
    item.scrollIntoView({ block: 'center' });
    item.focus();
    item.classList.add('highlight');
    setTimeout(() => item.classList.remove('highlight'), 2000);
  }

  private readonly toLatest = (): void => {
    this.window = LATEST;
    this.stickToBottom = true;
  };

  /** Moves the window when the reader nears an edge that has more beyond it. */
  private page(log: Element): void {
    const view = this.timeline.value;
    if (!view || this.keep || this.reveal) return;
    const first = view.messages[0];
    const last = view.messages.at(-1);
    const nearTop = log.scrollTop < EDGE;
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < EDGE;
    if (nearTop && view.hasOlder && first) {
      this.moveWindow(first.id);
    } else if (nearBottom && view.hasNewer && last) {
      this.moveWindow(last.id);
    } else if (nearBottom && !view.hasNewer && this.window.kind === 'around') {
      // Back at the end of the history: follow new messages again.
      if (last)
        this.keep = { id: last.id, top: this.item(last.id)?.getBoundingClientRect().top ?? 0 };
      this.window = LATEST;
    }
  }

  private moveWindow(anchor: EventId): void {
    const top = this.item(anchor)?.getBoundingClientRect().top ?? 0;
    this.keep = { id: anchor, top };
    this.window = { kind: 'around', anchor, before: PAGE, after: PAGE };
  }

  /** Reading is looking: the latest message counts as read once it is on a visible screen. */
  private markRead(): void {
    const api = this.connection?.api;
    const last = this.messages?.at(-1);
    const view = this.roomView.value;
    if (!api || !last || !view?.joined || view.room !== this.room) return;
    if (this.window.kind !== 'latest') return;
    if (document.visibilityState !== 'visible' || !this.stickToBottom) return;
    if (view.readThrough === last.id || this.lastMarked === last.id) return;
    this.lastMarked = last.id;
    api
      .markRead(this.room, last.id)
      .catch((error: unknown) => console.warn('kafky: could not mark as read', error));
  }

  private readonly onScroll = (): void => {
    const log = this.renderRoot.querySelector('[role="log"]');
    if (!log) return;
    this.stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    this.page(log);
    this.markRead();
  };

  private readonly onVisibility = (): void => this.markRead();

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
