import { LitElement, css, html } from 'lit';
import type { RoomHeadView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import './kafky-inspector-heads.ts';
import './kafky-inspector-health.ts';
import type { TimeTravelEvent } from './kafky-inspector-log.ts';
import './kafky-inspector-log.ts';
import './kafky-inspector-outbox.ts';
import type { TimeTravelTarget } from './kafky-inspector-time-travel.ts';
import './kafky-inspector-time-travel.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

/** Closes the inspector; the app puts the keyboard back on its toggle. */
export class InspectorCloseEvent extends Event {
  constructor() {
    super('kafky-inspector-close', { bubbles: true, composed: true });
  }
}

/**
 * A look inside this browser's Kafky: the local log, the outbox, each room's head
 * against the relay's, projection health (dead letters and unknown events), and time
 * travel. Read-only: nothing here changes the log or the read models.
 */
export class KafkyInspector extends LitElement {
  static override properties = {
    connection: { attribute: false },
    travel: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare travel: TimeTravelTarget | null;

  private readonly heads = new WatchController<RoomHeadView[]>(this, (api, listener) =>
    api.watchRoomHeads(listener),
  );

  constructor() {
    super();
    this.travel = null;
  }

  /** Puts the keyboard on the panel's heading, so opening it is announced. */
  override focus(): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('h2')?.focus());
  }

  override render() {
    return html`<section
      aria-labelledby="inspector-title"
      @keydown=${this.onKeydown}
      @kafky-time-travel=${(e: TimeTravelEvent) => (this.travel = { room: e.room, id: e.id })}
    >
      <header>
        <h2 id="inspector-title" tabindex="-1">Inspector</h2>
        <button
          type="button"
          class="quiet"
          aria-keyshortcuts="Escape"
          @click=${() => this.dispatchEvent(new InspectorCloseEvent())}
        >
          Close inspector
        </button>
      </header>
      <div class="sections">
        <kafky-inspector-log
          .connection=${this.connection}
          .rooms=${this.heads.value ?? []}
        ></kafky-inspector-log>
        <kafky-inspector-time-travel
          class="travel"
          .connection=${this.connection}
          .target=${this.travel}
        ></kafky-inspector-time-travel>
        <kafky-inspector-outbox .connection=${this.connection}></kafky-inspector-outbox>
        <kafky-inspector-heads .heads=${this.heads.value}></kafky-inspector-heads>
        ${this.renderHealth()}
      </div>
    </section>`;
  }

  /**
   * Dead letters and unknown events have a section of their own, in
   * kafky-inspector-health.ts: importing that file here is all it takes to show it.
   */
  private renderHealth() {
    return customElements.get('kafky-inspector-health')
      ? html`<kafky-inspector-health .connection=${this.connection}></kafky-inspector-health>`
      : html`<div>
          <h3>Dead letters and unknown events</h3>
          <p>Not available in this version.</p>
        </div>`;
  }

  private readonly onKeydown = (e: KeyboardEvent): void => {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    e.preventDefault();
    this.dispatchEvent(new InspectorCloseEvent());
  };

  static override styles = [
    shared,
    css`
      :host {
        display: block;
        overflow: auto;
        background: var(--kafky-bg);
        border-top: 2px solid var(--kafky-border);
      }
      section {
        padding: 0.5rem 1rem 1rem;
      }
      header {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 1rem;
      }
      h2 {
        margin: 0;
        font-size: 1.05rem;
      }
      h3 {
        margin: 0 0 0.4rem;
        font-size: 0.95rem;
      }
      .sections {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 1rem 1.5rem;
        align-items: start;
        margin-top: 0.5rem;
      }
      @media (min-width: 60rem) {
        /* The log beside the room it picks, the rest below. */
        .sections {
          grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
        }
        .travel {
          position: sticky;
          top: 0;
        }
      }
    `,
  ];
}

customElements.define('kafky-inspector', KafkyInspector);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-inspector': KafkyInspector;
  }
  interface HTMLElementEventMap {
    'kafky-inspector-close': InspectorCloseEvent;
  }
}
