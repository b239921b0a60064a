import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { EventId, RoomId } from '../../shared/ids.ts';
import type { MessageView, ProfileView, RoomView } from '../api.ts';
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

/** How many of the latest messages are on screen; paging older ones in comes later. */
const WINDOW = 200;

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
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;
  /** The message being edited, reacted to or deleted, and how. */
  declare active: { id: EventId; mode: NonNullable<ItemMode> } | null;
  declare notice: string;

  private readonly messages = new WatchController<MessageView[]>(
    this,
    (api, listener) => api.watchMessages(this.room, WINDOW, listener),
    () => this.room,
  );
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
    }
    const log = this.renderRoot.querySelector?.('[role="log"]');
    if (log) this.stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    const view = this.roomView.value;
    if (view?.room === this.room && this.divider?.room !== this.room) {
      this.divider = { room: this.room, after: view.readThrough };
    }
  }

  override updated(): void {
    const log = this.renderRoot.querySelector('[role="log"]');
    if (log && this.stickToBottom) log.scrollTop = log.scrollHeight;
    this.markRead();
  }

  override render() {
    const messages = this.messages.value;
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

  private jumpTo(id: EventId): void {
    const item = this.renderRoot.querySelector<HTMLElement>(messageSelector(id));
    if (!item) {
      this.notice = 'That message is further up than this view goes.';
      return;
    }
    item.scrollIntoView({ block: 'center' });
    item.focus();
    item.classList.add('highlight');
    setTimeout(() => item.classList.remove('highlight'), 2000);
  }

  /** Reading is looking: the latest message counts as read once it is on a visible screen. */
  private markRead(): void {
    const api = this.connection?.api;
    const last = this.messages.value?.at(-1);
    const view = this.roomView.value;
    if (!api || !last || !view?.joined || view.room !== this.room) return;
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
