import { LitElement, css, html, nothing, svg, type PropertyValues, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { RoomId } from '../../shared/ids.ts';
import type { DeliveryState, MessageView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

/** How many of the latest messages are on screen; paging older ones in comes later. */
const WINDOW = 200;

const STATE_LABELS: Record<DeliveryState, string> = {
  pending: 'Pending: saved on this device, not yet on the server',
  delivered: 'Delivered: stored by the server',
  failed: 'Failed: the server refused this message',
};

/** The conversation of one room, live from the worker's read model. */
export class KafkyMessageList extends LitElement {
  static override properties = { connection: { attribute: false }, room: {} };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;

  private readonly messages = new WatchController<MessageView[]>(
    this,
    (api, listener) => api.watchMessages(this.room, WINDOW, listener),
    () => this.room,
  );
  private stickToBottom = true;

  override willUpdate(_changed: PropertyValues): void {
    const log = this.renderRoot.querySelector?.('[role="log"]');
    if (log) this.stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  }

  override updated(): void {
    const log = this.renderRoot.querySelector('[role="log"]');
    if (log && this.stickToBottom) log.scrollTop = log.scrollHeight;
  }

  override render() {
    const messages = this.messages.value;
    return html`
      <section role="log" aria-label="Messages" tabindex="0">
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
            (m) => this.renderMessage(m),
          )}
        </ol>
      </section>
    `;
  }

  private renderMessage(m: MessageView): TemplateResult {
    const time = new Date(m.ts);
    return html`
      <li class=${m.own ? 'own' : ''} data-state=${m.state}>
        <div class="meta">
          <span class="author" style="color: ${authorColor(m.author)}">${m.authorName}</span>
          <time datetime=${time.toISOString()}>${formatTime(time)}</time>
        </div>
        <p class="body">${m.text}</p>
        ${
          m.own
            ? html`<span class="state" title=${STATE_LABELS[m.state]}
                >${STATE_ICONS[m.state]}<span class="visually-hidden">${m.state}</span></span
              >`
            : nothing
        }
        ${m.error ? html`<p class="error">${m.error.message}</p>` : nothing}
      </li>
    `;
  }

  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
      }
      section {
        flex: 1;
        overflow-y: auto;
        padding: 1rem;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
      }
      li {
        position: relative;
        max-width: min(40rem, 85%);
        padding: 0.5rem 0.75rem 0.5rem;
        border-radius: 12px;
        background: var(--kafky-bubble);
      }
      li.own {
        align-self: flex-end;
        background: var(--kafky-bubble-own);
        padding-right: 2rem;
      }
      .meta {
        display: flex;
        gap: 0.5rem;
        align-items: baseline;
        font-size: 0.8rem;
      }
      .author {
        font-weight: 600;
      }
      time {
        color: var(--kafky-muted);
      }
      .body {
        margin: 0.15rem 0 0;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .state {
        position: absolute;
        right: 0.5rem;
        bottom: 0.45rem;
        width: 1rem;
        height: 1rem;
        color: var(--kafky-muted);
      }
      li[data-state='delivered'] .state {
        color: var(--kafky-accent);
      }
      li[data-state='failed'] .state,
      .error {
        color: var(--kafky-danger);
      }
      .error {
        margin: 0.25rem 0 0;
        font-size: 0.8rem;
      }
      .note {
        color: var(--kafky-muted);
        text-align: center;
      }
    `,
  ];
}

const icon = (path: TemplateResult) =>
  html`<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
    ${path}
  </svg>`;

const STATE_ICONS: Record<DeliveryState, TemplateResult> = {
  pending: icon(
    svg`<circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/>`,
  ),
  delivered: icon(
    svg`<path d="M3 8.5l3 3 7-7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>`,
  ),
  failed: icon(
    svg`<circle cx="8" cy="8" r="7" fill="currentColor"/><path d="M8 4v5M8 11.5v.5" stroke="white" stroke-width="2" stroke-linecap="round"/>`,
  ),
};

function formatTime(time: Date): string {
  return time.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** A stable colour per person, so the same author always looks the same. */
function authorColor(author: string): string {
  let hash = 0;
  for (const char of author) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 55% 40%)`;
}

customElements.define('kafky-message-list', KafkyMessageList);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-message-list': KafkyMessageList;
  }
}
