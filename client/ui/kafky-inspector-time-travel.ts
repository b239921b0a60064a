import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { EventId, RoomId } from '../../shared/ids.ts';
import type { MessageView, TimeTravelView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { inspectorStyles } from './inspector-styles.ts';
import { parseMessageText } from './message-text.ts';
import { messageTextStyles, renderMessageText } from './message-text-view.ts';
import { shared } from './styles.ts';

/** Messages shown of a room as it was, around the one the chosen event touched. */
const TIME_TRAVEL_MESSAGES = 100;

export interface TimeTravelTarget {
  room: RoomId;
  id: EventId;
}

/**
 * A room as it was just after one of its events: the worker replays the room's log up
 * to that event into read models held in memory, so what is shown here never touches
 * the real ones (or the message list, which goes on showing the room as it is now).
 */
export class KafkyInspectorTimeTravel extends LitElement {
  static override properties = {
    connection: { attribute: false },
    target: { attribute: false },
    view: { state: true },
    error: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare target: TimeTravelTarget | null;
  declare view: TimeTravelView | null;
  declare error: string | null;
  private request = 0;

  constructor() {
    super();
    this.target = null;
    this.view = null;
    this.error = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('target') || changed.has('connection')) this.load();
  }

  private load(): void {
    const request = ++this.request;
    this.view = null;
    this.error = null;
    const { target, connection } = this;
    if (!target || !connection) return;
    connection.api.timeTravel(target.room, target.id, TIME_TRAVEL_MESSAGES).then(
      (view) => {
        if (request !== this.request) return;
        if (view) this.view = view;
        else this.error = 'That event is no longer in this browser’s log.';
      },
      (error: unknown) => {
        if (request === this.request) this.error = `Could not replay: ${(error as Error).message}`;
      },
    );
  }

  override render() {
    return html`<section aria-labelledby="time-travel-title">
      <h3 id="time-travel-title" tabindex="-1">Time travel</h3>
      ${this.error ? html`<p role="alert" class="refused">${this.error}</p>` : nothing}
      ${this.renderBody()}
    </section>`;
  }

  private renderBody() {
    const view = this.view;
    if (!this.target) {
      return html`<p>
        Pick “Time travel” on an event of the log to see its room as it was just after it.
      </p>`;
    }
    if (!view) return html`<p role="status">${this.error ? '' : 'Replaying…'}</p>`;
    const { through } = view;
    return html`
      <p role="status">
        <bdi>${view.name}</bdi> just after event ${through.pos}
        (${through.type}${through.seq === null ? ', not sequenced' : `, sequence ${through.seq}`}):
        ${view.replayed} events replayed, ${view.totalMessages}
        messages${
          view.totalMessages > view.messages.length ? `, ${view.messages.length} shown` : ''
        }.
      </p>
      <p>
        Members:
        ${view.members.length ? view.members.map((m, i) => html`${i ? ', ' : ''}<bdi>${m.name}</bdi>`) : 'none'}
      </p>
      ${
        view.messages.length
          ? html`<ul aria-label="Messages as they were">
              ${view.messages.map((m) => this.renderMessage(m, m.id === view.focus))}
            </ul>`
          : html`<p>No messages yet.</p>`
      }
      <button type="button" class="quiet" @click=${this.close}>Close time travel</button>
    `;
  }

  private readonly close = async (): Promise<void> => {
    this.target = null;
    await this.updateComplete;
    // The button is gone: keep the keyboard in the section rather than at the page's start.
    this.renderRoot.querySelector<HTMLElement>('h3')?.focus();
  };

  private renderMessage(m: MessageView, focus: boolean) {
    const reactions = m.reactions.map((r) => `${r.key} ${r.count} (${r.names.join(', ')})`);
    return html`<li class=${focus ? 'focus' : ''} data-id=${m.id}>
      <bdi class="author">${m.authorName}</bdi>
      ${m.edited ? html`<span class="muted">(edited)</span>` : nothing}
      ${m.state !== 'delivered' ? html`<span class="muted">(${m.state})</span>` : nothing}
      ${focus ? html`<strong>(this event)</strong>` : nothing}
      ${
        m.deleted
          ? html`<p class="deleted muted">message deleted</p>`
          : html`<div class="message-text">${renderMessageText(parseMessageText(m.text))}</div>`
      }
      ${reactions.length ? html`<p class="muted">Reactions: ${reactions.join('; ')}</p>` : nothing}
    </li>`;
  }

  static override styles = [
    shared,
    inspectorStyles,
    messageTextStyles,
    css`
      ul {
        list-style: none;
        margin: 0 0 0.5rem;
        padding: 0;
        max-height: 24rem;
        overflow-y: auto;
      }
      li {
        padding: 0.3rem 0.5rem;
        border-bottom: 1px solid var(--kafky-border);
      }
      li.focus {
        background: var(--kafky-bubble-own);
      }
      .author {
        font-weight: 600;
      }
      li p,
      .message-text {
        margin: 0.15rem 0 0;
        white-space: normal;
      }
      .deleted {
        font-style: italic;
      }
    `,
  ];
}

customElements.define('kafky-inspector-time-travel', KafkyInspectorTimeTravel);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-inspector-time-travel': KafkyInspectorTimeTravel;
  }
}
