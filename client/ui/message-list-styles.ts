import { css } from 'lit';
import { messageTextStyles } from './message-text-view.ts';
import { shared } from './styles.ts';

export const messageListStyles = [
  shared,
  messageTextStyles,
  css`
    :host {
      position: relative;
      display: flex;
      flex-direction: column;
      min-height: 0;
    }
    /* Floats over the log rather than sitting in it, so reaching it never scrolls the log. */
    .latest {
      position: absolute;
      right: 1.5rem;
      bottom: 1rem;
      z-index: 1;
      background: var(--kafky-surface);
      box-shadow: 0 0.2rem 0.6rem rgb(0 0 0 / 20%);
    }
    /*
     * Its size is the space the page gives it, never its content's: contained, a new
     * message lays out and paints the log alone, not the page around it (measured: 6 %
     * less CPU per message sent, docs/benchmarks.md).
     */
    section {
      flex: 1;
      overflow-y: auto;
      padding: 1rem;
      contain: strict;
    }
    ol {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 0.35rem;
    }
    li {
      display: flex;
      gap: 0.6rem;
      padding: 0.35rem 0.5rem;
      border-radius: 10px;
    }
    li:hover,
    li:focus-within,
    li.highlight {
      background: var(--kafky-bubble);
    }
    /*
     * A window holds up to 400 messages, of which a screenful shows: the browser skips
     * laying out and painting the rest (keeping their last size, or a guess), so adding
     * a message or following the end costs a screenful, not the whole window. Always,
     * not only when idle: switching it on hover would move the list under the pointer.
     * (It clips paint to the item: the reaction tooltip stays inside it.)
     */
    li {
      content-visibility: auto;
      contain-intrinsic-size: auto 3.5rem;
    }
    li.own .content {
      background: var(--kafky-bubble-own);
    }
    li.highlight {
      outline: 2px solid var(--kafky-accent);
    }
    .avatar {
      flex: none;
      width: 2.2rem;
      height: 2.2rem;
      border-radius: 50%;
      display: grid;
      place-items: center;
      color: #fff;
      font-size: 0.85rem;
      font-weight: 600;
    }
    .content {
      position: relative;
      min-width: 0;
      flex: 1;
      padding: 0.25rem 0.5rem;
      border-radius: 8px;
    }
    .meta {
      display: flex;
      gap: 0.5rem;
      align-items: baseline;
      font-size: 0.8rem;
    }
    .author {
      font-weight: 600;
      overflow-wrap: anywhere;
    }
    time,
    .edited {
      color: var(--kafky-muted);
    }
    .body {
      margin: 0.1rem 0 0;
      white-space: pre-wrap;
      overflow-wrap: anywhere;
      padding-right: 1.5rem;
    }
    .deleted {
      font-style: italic;
      color: var(--kafky-muted);
    }
    .quote {
      display: flex;
      gap: 0.4rem;
      max-width: 100%;
      margin: 0.2rem 0;
      padding: 0.2rem 0.5rem;
      border: none;
      border-left: 3px solid var(--kafky-accent);
      border-radius: 4px;
      background: var(--kafky-surface);
      color: inherit;
      font-size: 0.85rem;
      text-align: left;
    }
    .quote-author {
      font-weight: 600;
    }
    .quote-text {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .quote.missing {
      color: var(--kafky-muted);
    }
    .state {
      position: absolute;
      right: 0.4rem;
      top: 0.35rem;
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
    .reactions,
    .actions,
    .picker,
    .editor {
      display: flex;
      flex-wrap: wrap;
      gap: 0.3rem;
      margin-top: 0.3rem;
    }
    .actions button,
    .picker button,
    .reaction {
      padding: 0.1rem 0.5rem;
      font-size: 0.8rem;
    }
    /* Quiet until wanted: shown on hover and whenever focus is inside the message. */
    .actions {
      opacity: 0;
    }
    li:hover .actions,
    li:focus-within .actions,
    .actions.shown {
      opacity: 1;
    }
    .reaction {
      position: relative;
      background: var(--kafky-surface);
      color: inherit;
      border-color: var(--kafky-border);
    }
    .reaction[aria-pressed='true'] {
      border-color: var(--kafky-accent);
      background: var(--kafky-bubble-own);
    }
    .tooltip {
      display: none;
      position: absolute;
      bottom: calc(100% + 4px);
      left: 0;
      z-index: 1;
      padding: 0.2rem 0.5rem;
      border-radius: 6px;
      background: var(--kafky-text);
      color: var(--kafky-bg);
      white-space: nowrap;
    }
    .reaction:hover .tooltip,
    .reaction:focus-visible .tooltip {
      display: block;
    }
    .editor textarea {
      flex-basis: 100%;
      font: inherit;
      min-height: 3rem;
      padding: 0.4rem 0.6rem;
      border: 1px solid var(--kafky-border);
      border-radius: 8px;
      background: var(--kafky-bg);
      color: inherit;
    }
    button.danger {
      background: var(--kafky-danger);
      color: #fff;
    }
    .divider {
      display: flex;
      align-items: center;
      gap: 0.5rem;
      color: var(--kafky-danger);
      font-size: 0.8rem;
      font-weight: 600;
    }
    .divider.arriving {
      color: var(--kafky-muted);
      font-weight: normal;
    }
    .divider::before,
    .divider::after {
      content: '';
      flex: 1;
      border-top: 1px solid currentColor;
    }
    .note {
      color: var(--kafky-muted);
      text-align: center;
    }
    .notice {
      margin: 0;
      padding: 0 1rem;
      color: var(--kafky-danger);
      font-size: 0.85rem;
    }
    .notice:empty {
      display: none;
    }
  `,
];
