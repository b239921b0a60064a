import { html, nothing, svg, type TemplateResult } from 'lit';
import type { EventId } from '../../shared/ids.ts';
import { LIMITS } from '../../shared/limits.ts';
import type { DeliveryState, MessageView, ReactionView } from '../api.ts';
import { avatar } from './avatar.ts';
import { MessageTextCache } from './message-text-cache.ts';
import type { ParseOptions } from './message-text.ts';
import { renderMessageText } from './message-text-view.ts';

/** The emoji offered by the React button; any other key arriving from peers still shows. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'] as const;

/** What the person is doing to one message right now, if anything. */
export type ItemMode = 'editing' | 'reacting' | 'confirm-delete' | null;

export interface ItemContext {
  mode: ItemMode;
  /** Names that can be @mentioned in this room, and the reader's own. */
  text: ParseOptions;
  /** Shown while being sent, before the worker has stored it: nothing to act on yet. */
  provisional?: boolean;
  act(action: ItemAction, message: MessageView, value?: string): void;
}

export type ItemAction =
  | 'reply'
  | 'react'
  | 'toggle-reaction'
  | 'edit'
  | 'save-edit'
  | 'delete'
  | 'confirm-delete'
  | 'cancel'
  | 'retry'
  | 'discard'
  | 'jump';

const STATE_LABELS: Record<DeliveryState, string> = {
  pending: 'Pending: saved on this device, not yet on the server',
  delivered: 'Delivered: stored by the server',
  failed: 'Failed: the server refused this message',
};

/** One message as a list item: its accessible text holds author, body and own state. */
export function renderMessage(m: MessageView, ctx: ItemContext): TemplateResult {
  const time = new Date(m.ts);
  return html`
    <li
      class=${m.own ? 'own' : ''}
      data-id=${m.id}
      data-state=${m.state}
      tabindex="-1"
      @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && ctx.mode && ctx.act('cancel', m)}
    >
      ${avatar(m.author, m.authorName)}
      <div class="content">
        <div class="meta">
          <bdi class="author">${m.authorName}</bdi>
          <time datetime=${time.toISOString()}>${formatTime(time)}</time>
          ${m.edited ? html`<span class="edited">(edited)</span>` : nothing}
        </div>
        ${m.replyTo ? renderQuote(m, ctx) : nothing}
        ${ctx.mode === 'editing' ? renderEditor(m, ctx) : renderBody(m, ctx)}
        ${m.reactions.length ? renderReactions(m, ctx) : nothing}
        ${m.own ? renderState(m.state) : nothing}
        ${m.error ? html`<p class="error">${m.error.message}</p>` : nothing}
        ${renderActions(m, ctx)}
      </div>
    </li>
  `;
}

const texts = new MessageTextCache();

function renderBody(m: MessageView, ctx: ItemContext) {
  if (m.deleted) return html`<p class="body deleted">message deleted</p>`;
  const blocks = texts.parse(m.text, ctx.text);
  return html`<div class="body message-text">${renderMessageText(blocks)}</div>`;
}

function renderQuote(m: MessageView, ctx: ItemContext) {
  const quote = m.replyTo!;
  const text = quote.deleted ? 'message deleted' : quote.text;
  if (quote.authorName === null) {
    return html`<p class="quote missing">In reply to a message not shown here</p>`;
  }
  return html`<button type="button" class="quote" @click=${() => ctx.act('jump', m, quote.id)}>
    <span class="visually-hidden">In reply to</span>
    <bdi class="quote-author">${quote.authorName}</bdi>
    <span class="quote-text">${text}</span>
  </button>`;
}

function renderEditor(m: MessageView, ctx: ItemContext) {
  const save = (form: HTMLFormElement) => {
    const value = form.querySelector('textarea')?.value ?? '';
    ctx.act('save-edit', m, value);
  };
  return html`<form
    class="editor"
    @submit=${(e: SubmitEvent) => {
      e.preventDefault();
      save(e.currentTarget as HTMLFormElement);
    }}
  >
    <textarea
      aria-label="Edit message"
      maxlength=${LIMITS.messageTextMax}
      .value=${m.text}
      @keydown=${(e: KeyboardEvent) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          save((e.currentTarget as HTMLTextAreaElement).form!);
        }
      }}
    ></textarea>
    <button type="submit">Save edit</button>
    <button type="button" class="quiet" @click=${() => ctx.act('cancel', m)}>Cancel</button>
  </form>`;
}

function renderReactions(m: MessageView, ctx: ItemContext) {
  return html`<div class="reactions" role="group" aria-label="Reactions">
    ${m.reactions.map((r) => reactionButton(m, r, ctx))}
  </div>`;
}

function reactionButton(m: MessageView, r: ReactionView, ctx: ItemContext) {
  const who = r.names.join(', ');
  return html`<button
    type="button"
    class="reaction"
    aria-pressed=${r.mine ? 'true' : 'false'}
    aria-label="${r.key} ${r.count}, from ${who}"
    ?disabled=${m.deleted}
    @click=${() => ctx.act('toggle-reaction', m, r.key)}
  >
    <span aria-hidden="true">${r.key} ${r.count}</span>
    <span class="tooltip" aria-hidden="true">${who}</span>
  </button>`;
}

function renderActions(m: MessageView, ctx: ItemContext) {
  if (ctx.provisional) return nothing;
  if (m.state === 'failed') {
    return html`<div class="actions shown" role="group" aria-label="Message actions">
      <button type="button" @click=${() => ctx.act('retry', m)}>Retry</button>
      <button type="button" class="quiet" @click=${() => ctx.act('discard', m)}>Discard</button>
    </div>`;
  }
  if (m.deleted) return nothing;
  if (ctx.mode === 'confirm-delete') {
    return html`<div class="actions shown" role="group" aria-label="Delete this message?">
      <button type="button" class="danger" @click=${() => ctx.act('confirm-delete', m)}>
        Confirm delete
      </button>
      <button type="button" class="quiet" @click=${() => ctx.act('cancel', m)}>Cancel</button>
    </div>`;
  }
  return html`<div
      class="actions ${ctx.mode === 'reacting' ? 'shown' : ''}"
      role="group"
      aria-label="Message actions"
    >
      <button type="button" class="quiet" @click=${() => ctx.act('reply', m)}>Reply</button>
      <button
        type="button"
        class="quiet"
        aria-expanded=${ctx.mode === 'reacting' ? 'true' : 'false'}
        @click=${() => ctx.act('react', m)}
      >
        React
      </button>
      ${
        m.own
          ? html`<button type="button" class="quiet" @click=${() => ctx.act('edit', m)}>
                Edit
              </button>
              <button type="button" class="quiet" @click=${() => ctx.act('delete', m)}>
                Delete
              </button>`
          : nothing
      }
    </div>
    ${
      ctx.mode === 'reacting'
        ? html`<div class="picker" role="group" aria-label="Pick a reaction">
            ${QUICK_REACTIONS.map(
              (key) =>
                html`<button
                  type="button"
                  class="quiet"
                  aria-label="React with ${key}"
                  @click=${() => ctx.act('toggle-reaction', m, key)}
                >
                  ${key}
                </button>`,
            )}
          </div>`
        : nothing
    }`;
}

function renderState(state: DeliveryState) {
  return html`<span class="state" title=${STATE_LABELS[state]}
    >${STATE_ICONS[state]}<span class="visually-hidden">${state}</span></span
  >`;
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

/** One formatter for every message: building one (as toLocaleTimeString does) is slow. */
const TIME_FORMAT = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function formatTime(time: Date): string {
  return TIME_FORMAT.format(time);
}

/** The id a jump lands on, for `querySelector`. */
export function messageSelector(id: EventId): string {
  return `li[data-id="${CSS.escape(id)}"]`;
}
