import { LitElement, html } from 'lit';
import type { OutboxView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { inspectorStyles } from './inspector-styles.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

/** Outbox entries shown at once: the first ones, which go out next. */
const OUTBOX_SHOWN = 50;

/** Own events waiting for the relay, in the order they go out: drafts, then pushed ones. */
export class KafkyInspectorOutbox extends LitElement {
  static override properties = { connection: { attribute: false } };
  declare connection: WorkerConnection | undefined;

  private readonly outbox = new WatchController<OutboxView>(this, (api, listener) =>
    api.watchOutbox(OUTBOX_SHOWN, listener),
  );

  override render() {
    const outbox = this.outbox.value;
    const waiting = outbox?.total ?? 0;
    return html`
      <h3 id="outbox-title">Outbox</h3>
      <p role="status">
        ${
          !outbox
            ? 'Loading…'
            : waiting === 0
              ? 'Nothing waiting for the relay.'
              : `${waiting} waiting for the relay${waiting > outbox.entries.length ? `, the first ${outbox.entries.length} shown` : ''}.`
        }
      </p>
      ${
        waiting > 0
          ? html`<div class="table-wrap">
              <table aria-labelledby="outbox-title">
                <thead>
                  <tr>
                    <th scope="col" class="num">Position</th>
                    <th scope="col">Room</th>
                    <th scope="col">Type</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  ${outbox!.entries.map(
                    (e) =>
                      html`<tr>
                        <th scope="row" class="num">${e.pos}</th>
                        <td><bdi>${e.roomName}</bdi></td>
                        <td>${e.type ?? html`<span class="muted">unknown</span>`}</td>
                        <td>${e.state}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : ''
      }
    `;
  }

  static override styles = [shared, inspectorStyles];
}

customElements.define('kafky-inspector-outbox', KafkyInspectorOutbox);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-inspector-outbox': KafkyInspectorOutbox;
  }
}
