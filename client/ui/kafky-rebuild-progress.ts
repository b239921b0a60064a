import { LitElement, css, html, nothing } from 'lit';
import type { RebuildProgressView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

/**
 * While read models are being built from the log (after an upgrade changed how they are
 * made, or on request), how far along that is: until it ends, parts of the chat may be
 * missing. Shows nothing otherwise.
 */
export class KafkyRebuildProgress extends LitElement {
  static override properties = { connection: { attribute: false } };
  declare connection: WorkerConnection | undefined;

  private readonly progress = new WatchController<RebuildProgressView>(this, (api, listener) =>
    api.watchRebuildProgress(listener),
  );

  override render() {
    const building = this.progress.value?.building ?? [];
    if (building.length === 0) return nothing;
    const what = building.map((b) => b.name).join(', ');
    // The slowest of them says when the chat is whole again.
    const percent = Math.round(Math.min(...building.map((b) => b.progress)) * 100);
    return html`<div class="rebuild">
      <span id="label">Rebuilding ${what}…</span>
      <progress max="100" value=${percent} aria-labelledby="label"></progress>
      <span aria-hidden="true">${percent}%</span>
    </div>`;
  }

  static override styles = [
    shared,
    css`
      .rebuild {
        display: flex;
        align-items: center;
        gap: 0.4rem;
        font-size: 0.85rem;
        color: var(--kafky-muted);
      }
      progress {
        width: 6rem;
        accent-color: var(--kafky-accent);
      }
    `,
  ];
}

customElements.define('kafky-rebuild-progress', KafkyRebuildProgress);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-rebuild-progress': KafkyRebuildProgress;
  }
}
