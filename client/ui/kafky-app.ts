import { LitElement, css, html, nothing } from 'lit';
import { DEFAULT_ROOM, type RoomId } from '../../shared/ids.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import './kafky-composer.ts';
import './kafky-connection-status.ts';
import './kafky-message-list.ts';
import './kafky-profile.ts';
import { shared } from './styles.ts';

/** The whole chat: header, conversation and composer of the current room. */
export class KafkyApp extends LitElement {
  static override properties = {
    connection: { attribute: false },
    room: {},
    fatal: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;
  declare fatal: string | null;

  constructor() {
    super();
    this.room = DEFAULT_ROOM;
    this.fatal = null;
  }

  override render() {
    return html`
      <header>
        <h1>Kafky</h1>
        <span class="room" aria-label="Room">#${this.room}</span>
        <kafky-connection-status .connection=${this.connection}></kafky-connection-status>
        <kafky-profile .connection=${this.connection} .room=${this.room}></kafky-profile>
      </header>
      ${this.fatal ? html`<p role="alert" class="fatal">${this.fatal}</p>` : nothing}
      <main>
        <kafky-message-list .connection=${this.connection} .room=${this.room}></kafky-message-list>
        <kafky-composer .connection=${this.connection} .room=${this.room}></kafky-composer>
      </main>
    `;
  }

  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100dvh;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 1rem;
        padding: 0.6rem 1rem;
        border-bottom: 1px solid var(--kafky-border);
        background: var(--kafky-surface);
      }
      h1 {
        margin: 0;
        font-size: 1.2rem;
      }
      .room {
        color: var(--kafky-muted);
        margin-right: auto;
      }
      main {
        flex: 1;
        min-height: 0;
        display: flex;
        flex-direction: column;
        max-width: 60rem;
        width: 100%;
        margin: 0 auto;
      }
      kafky-message-list {
        flex: 1;
      }
      .fatal {
        margin: 0;
        padding: 0.5rem 1rem;
        background: var(--kafky-danger);
        color: white;
      }
    `,
  ];
}

customElements.define('kafky-app', KafkyApp);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-app': KafkyApp;
  }
}
