import type { ReactiveControllerHost } from 'lit';
import type { EventId } from '../../shared/ids.ts';
import type { MessageView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { messageSelector, type ItemContext, type ItemMode } from './message-item.ts';

/** Asks the composer to answer a message; the app passes it on. */
export class ReplyEvent extends Event {
  constructor(readonly message: MessageView) {
    super('kafky-reply', { bubbles: true, composed: true });
  }
}

type Host = ReactiveControllerHost &
  HTMLElement & {
    connection?: WorkerConnection | undefined;
    readonly renderRoot: HTMLElement | DocumentFragment;
  };

/**
 * What a person does to the messages of a list: which one they are editing, reacting to
 * or deleting, the worker's answer, and where focus goes after.
 */
export class MessageActions {
  /** The message being edited, reacted to or deleted, and how. */
  active: { id: EventId; mode: NonNullable<ItemMode> } | null = null;
  /** What went wrong with the last action, for a live region; empty when nothing did. */
  notice = '';

  constructor(
    private readonly host: Host,
    /** Brings a message into view (a reply's quote leads to what it answers). */
    private readonly jump: (id: EventId) => void,
  ) {}

  modeOf(id: EventId): ItemMode {
    return this.active?.id === id ? this.active.mode : null;
  }

  /** Ends whatever was being done (the list shows another room). */
  reset(): void {
    this.set(null);
  }

  say(notice: string): void {
    this.notice = notice;
    this.host.requestUpdate();
  }

  readonly act: ItemContext['act'] = (action, m, value) => {
    const api = this.host.connection?.api;
    if (!api) return;
    switch (action) {
      case 'reply':
        this.host.dispatchEvent(new ReplyEvent(m));
        return;
      case 'react':
        this.set(this.active?.mode === 'reacting' ? null : { id: m.id, mode: 'reacting' });
        return;
      case 'edit':
        this.set({ id: m.id, mode: 'editing' });
        void this.focusIn(m.id, 'textarea');
        return;
      case 'delete':
        this.set({ id: m.id, mode: 'confirm-delete' });
        void this.focusIn(m.id, '.danger');
        return;
      case 'cancel':
        this.set(null);
        void this.focusIn(m.id);
        return;
      case 'jump':
        this.jump(value as EventId);
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
  };

  private set(active: MessageActions['active']): void {
    this.active = active;
    this.host.requestUpdate();
  }

  private run(action: Promise<unknown>, focus: EventId | null): void {
    action.then(
      () => {
        this.set(null);
        this.say('');
        if (focus) void this.focusIn(focus);
      },
      (error: unknown) => this.say(`Not done: ${(error as Error).message}`),
    );
  }

  private async focusIn(id: EventId, selector?: string): Promise<void> {
    await this.host.updateComplete;
    const item = this.host.renderRoot.querySelector<HTMLElement>(messageSelector(id));
    (selector ? item?.querySelector<HTMLElement>(selector) : item)?.focus();
  }
}
