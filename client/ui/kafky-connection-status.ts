import { LitElement, css, html } from 'lit';
import type { ConnectionStatus, ConnectionView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

const LABELS: Record<ConnectionStatus, string> = {
  online: 'Online',
  connecting: 'Connecting…',
  offline: 'Offline',
};

/** Whether this browser reaches the relay, and how many messages wait to be sent. */
export class KafkyConnectionStatus extends LitElement {
  static override properties = { connection: { attribute: false } };
  declare connection: WorkerConnection | undefined;

  private readonly status = new WatchController<ConnectionView>(this, (api, listener) =>
    api.watchConnection(listener),
  );

  override render() {
    const view = this.status.value;
    const status = view?.status ?? 'connecting';
    const pending = view?.pending ?? 0;
    return html`<p role="status" data-status=${status}>
      <span class="dot" aria-hidden="true"></span>${LABELS[status]}${
        pending > 0
          ? html`<span
              class="pending"
              title="Saved on this device; sent once the relay is reachable"
            >
              · ${pending} waiting to send</span
            >`
          : ''
      }
    </p>`;
  }

  static override styles = [
    shared,
    css`
      p {
        margin: 0;
        display: flex;
        align-items: center;
        gap: 0.4rem;
        font-size: 0.85rem;
        color: var(--kafky-muted);
      }
      .dot {
        width: 0.6rem;
        height: 0.6rem;
        border-radius: 50%;
        background: var(--kafky-muted);
      }
      [data-status='online'] .dot {
        background: var(--kafky-ok);
      }
      [data-status='connecting'] .dot {
        background: var(--kafky-warn);
      }
    `,
  ];
}

customElements.define('kafky-connection-status', KafkyConnectionStatus);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-connection-status': KafkyConnectionStatus;
  }
}
