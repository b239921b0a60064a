import { LitElement, html } from 'lit';
import type { RoomHeadView } from '../api.ts';
import { inspectorStyles } from './inspector-styles.ts';
import { shared } from './styles.ts';

/** Per room, how much of its log this browser holds against what the relay last said it has. */
export class KafkyInspectorHeads extends LitElement {
  static override properties = { heads: { attribute: false } };
  declare heads: readonly RoomHeadView[] | undefined;

  override render() {
    return html`
      <h3 id="heads-title">Rooms: local and relay heads</h3>
      <div class="table-wrap">
        <table aria-labelledby="heads-title">
          <thead>
            <tr>
              <th scope="col">Room</th>
              <th scope="col" class="num">Local head</th>
              <th scope="col" class="num">Relay head</th>
              <th scope="col" class="num">Lag</th>
            </tr>
          </thead>
          <tbody>
            ${(this.heads ?? []).map(
              (r) =>
                html`<tr>
                  <th scope="row">
                    <bdi>${r.name}</bdi>${r.left ? html` <span class="muted">(left)</span>` : ''}
                  </th>
                  <td class="num">${r.localHead}</td>
                  <td class="num">
                    ${r.relayHead ?? html`<span class="muted">not heard yet</span>`}
                  </td>
                  <td class="num">${r.lag ?? html`<span class="muted">unknown</span>`}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    `;
  }

  static override styles = [shared, inspectorStyles];
}

customElements.define('kafky-inspector-heads', KafkyInspectorHeads);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-inspector-heads': KafkyInspectorHeads;
  }
}
