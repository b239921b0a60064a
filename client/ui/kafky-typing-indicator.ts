import { LitElement, css, html } from 'lit';
import type { RoomId } from '../../shared/ids.ts';
import type { ActivityView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { shared } from './styles.ts';
import { typingParts } from './typing.ts';
import { WatchController } from './watch-controller.ts';

/**
 * "Alice is typing…" for whoever types in the room (never the reader), in a polite live
 * region, so a screen reader says it without interrupting. It is not a `status`: that
 * role belongs to the connection status. The line keeps its height, so the
 * conversation above it does not jump.
 */
export class KafkyTypingIndicator extends LitElement {
  static override properties = {
    connection: { attribute: false },
    room: {},
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;

  private readonly activity = new WatchController<ActivityView>(
    this,
    (api, listener) => api.watchActivity(this.room, listener),
    () => this.room,
  );

  override render() {
    const parts = typingParts(this.activity.value?.typing ?? []);
    return html`<p aria-live="polite">
      ${parts.map((part) => (typeof part === 'string' ? part : html`<bdi>${part.name}</bdi>`))}
    </p>`;
  }

  static override styles = [
    shared,
    css`
      :host {
        display: block;
        padding: 0 1rem;
        background: var(--kafky-surface);
      }
      p {
        margin: 0;
        min-height: 1.4rem;
        line-height: 1.4rem;
        font-size: 0.8rem;
        font-style: italic;
        color: var(--kafky-muted);
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
    `,
  ];
}

customElements.define('kafky-typing-indicator', KafkyTypingIndicator);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-typing-indicator': KafkyTypingIndicator;
  }
}
