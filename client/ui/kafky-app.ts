import { LitElement, css, html, nothing } from 'lit';
import { DEFAULT_ROOM, type EventId, type RoomId } from '../../shared/ids.ts';
import type { FailedCommandView, RoomSummary } from '../api.ts';
import { askNotificationPermission, notificationPermission } from '../tab/notifications.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import './kafky-composer.ts';
import './kafky-connection-status.ts';
import type { ReplyEvent } from './kafky-message-list.ts';
import './kafky-message-list.ts';
import './kafky-profile.ts';
import './kafky-rebuild-progress.ts';
import './kafky-room-header.ts';
import './kafky-room-list.ts';
import './kafky-typing-indicator.ts';
import { roomHref, routeFromHash } from './routes.ts';
import './kafky-search.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

/** The whole chat: the room list beside the current room's header, messages and composer. */
export class KafkyApp extends LitElement {
  static override properties = {
    connection: { attribute: false },
    room: { state: true },
    target: { state: true },
    fatal: { state: true },
    roomsOpen: { state: true },
    inspectorOpen: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;
  /** A message the URL points at (from search or a link), to bring into view. */
  declare target: EventId | null;
  declare fatal: string | null;
  /** On narrow screens the room list is a panel that opens over the conversation. */
  declare roomsOpen: boolean;
  declare inspectorOpen: boolean;

  private readonly rooms = new WatchController<RoomSummary[]>(this, (api, listener) =>
    api.watchRooms(listener),
  );
  /** Commands the relay refused part-way; one may have been this room's creation. */
  private readonly failed = new WatchController<FailedCommandView[]>(this, (api, listener) =>
    api.watchFailedCommands(listener),
  );
  private joining: RoomId | null = null;

  constructor() {
    super();
    const route = routeFromHash(location.hash);
    this.room = route?.room ?? DEFAULT_ROOM;
    this.target = route?.message ?? null;
    this.fatal = null;
    this.roomsOpen = false;
    this.inspectorOpen = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHashChange);
    window.addEventListener('keydown', this.onShortcut);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHashChange);
    window.removeEventListener('keydown', this.onShortcut);
    super.disconnectedCallback();
  }

  override willUpdate(): void {
    const rooms = this.rooms.value;
    const total = rooms?.reduce((sum, r) => sum + r.unread, 0) ?? 0;
    const title = total > 0 ? `(${total}) Kafky` : 'Kafky';
    // Setting the title, even to what it is, costs the browser a round trip to its tab
    // strip: a few milliseconds on the main thread every time the rooms change.
    if (document.title !== title) document.title = title;
    const failed = this.failed.value;
    // The room on screen was never made (its creation was refused): back to the lobby,
    // before anything could take its address for an invite and join it.
    if (failed?.some((f) => f.room === this.room)) {
      location.hash = roomHref(DEFAULT_ROOM);
      return;
    }
    // Opening an invite link is joining the room it names.
    if (rooms && failed && this.connection && this.joining !== this.room) {
      const known = rooms.some((r) => r.room === this.room);
      const route = routeFromHash(location.hash);
      // A room seen here once and then gone (left, or its creation undone) is not an
      // invite: only a room first reached by its link is joined.
      if (known) {
        this.joining = this.room;
        // An invite opened for a room already here may bring the secret it lacked.
        if (route?.room === this.room && route.secret) this.join(route.secret);
      } else if (route?.room === this.room) {
        this.joining = this.room;
        this.join(route.secret);
      }
    }
  }

  private join(secret: string | null): void {
    this.connection?.api
      .joinRoom(this.room, secret ?? undefined)
      .then(() => secret && this.forgetSecret(secret))
      .catch((error: unknown) => (this.fatal = `Could not join: ${(error as Error).message}`));
  }

  /**
   * Takes an invite's secret out of the address bar and the history once it is kept in
   * this browser, unless the reader has gone elsewhere meanwhile.
   */
  private forgetSecret(secret: string): void {
    const invite = routeFromHash(location.hash);
    if (invite?.secret === secret) history.replaceState(null, '', roomHref(invite.room));
  }

  override render() {
    return html`
      <header>
        <button
          type="button"
          class="rooms-toggle quiet"
          aria-expanded=${this.roomsOpen ? 'true' : 'false'}
          aria-controls="sidebar"
          @click=${() => (this.roomsOpen = !this.roomsOpen)}
        >
          Rooms
        </button>
        <h1>Kafky</h1>
        <kafky-connection-status .connection=${this.connection}></kafky-connection-status>
        <kafky-rebuild-progress .connection=${this.connection}></kafky-rebuild-progress>
        ${
          notificationPermission() === 'default'
            ? html`<button type="button" class="quiet" @click=${this.askNotifications}>
                Enable notifications
              </button>`
            : nothing
        }
        <button
          type="button"
          class="quiet inspector-toggle"
          aria-expanded=${this.inspectorOpen ? 'true' : 'false'}
          aria-controls="inspector"
          aria-keyshortcuts="Control+Alt+I"
          title="Inspector (Ctrl+Alt+I)"
          @click=${this.toggleInspector}
        >
          Inspector
        </button>
        <kafky-profile .connection=${this.connection}></kafky-profile>
      </header>
      ${this.fatal ? html`<p role="alert" class="fatal">${this.fatal}</p>` : nothing}
      <div class="body">
        <aside id="sidebar" class=${this.roomsOpen ? 'open' : ''}>
          <kafky-search .connection=${this.connection}></kafky-search>
          <kafky-room-list .connection=${this.connection} .room=${this.room}></kafky-room-list>
        </aside>
        <main @kafky-reply=${this.onReply}>
          <kafky-room-header .connection=${this.connection} .room=${this.room}></kafky-room-header>
          <kafky-message-list
            .connection=${this.connection}
            .room=${this.room}
            .target=${this.target}
          ></kafky-message-list>
          <kafky-typing-indicator
            .connection=${this.connection}
            .room=${this.room}
          ></kafky-typing-indicator>
          <kafky-composer .connection=${this.connection} .room=${this.room}></kafky-composer>
        </main>
      </div>
      ${
        this.inspectorOpen
          ? html`<kafky-inspector
              id="inspector"
              .connection=${this.connection}
              @kafky-inspector-close=${this.closeInspector}
            ></kafky-inspector>`
          : nothing
      }
    `;
  }

  private readonly toggleInspector = (): void => {
    if (this.inspectorOpen) {
      this.closeInspector();
      return;
    }
    this.inspectorOpen = true;
    // Loaded on first use: most people never open it.
    import('./kafky-inspector.ts')
      .then(() => this.updateComplete)
      .then(() => this.renderRoot.querySelector('kafky-inspector')?.focus())
      .catch((error: unknown) => {
        this.inspectorOpen = false;
        this.fatal = `Could not open the inspector: ${(error as Error).message}`;
      });
  };

  private readonly closeInspector = (): void => {
    this.inspectorOpen = false;
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>('.inspector-toggle')?.focus(),
    );
  };

  /** Ctrl+Alt+I, from anywhere in the page. */
  private readonly onShortcut = (e: KeyboardEvent): void => {
    // Windows reports AltGr as Ctrl+Alt: with it, the key types a character instead.
    if (e.code !== 'KeyI' || !e.ctrlKey || !e.altKey || e.shiftKey || e.metaKey) return;
    if (e.getModifierState('AltGraph')) return;
    e.preventDefault();
    this.toggleInspector();
  };

  private readonly askNotifications = (): void => {
    askNotificationPermission().then(
      () => this.requestUpdate(),
      (error: unknown) => console.warn('kafky: notifications not allowed', error),
    );
  };

  private readonly onReply = (event: ReplyEvent): void => {
    const composer = this.renderRoot.querySelector('kafky-composer');
    if (!composer) return;
    composer.replyTo = event.message;
    composer.focus();
  };

  private readonly onHashChange = (): void => {
    const route = routeFromHash(location.hash);
    this.room = route?.room ?? DEFAULT_ROOM;
    this.target = route?.message ?? null;
    this.roomsOpen = false;
  };

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
        margin: 0 auto 0 0;
        font-size: 1.2rem;
      }
      .body {
        flex: 1;
        min-height: 0;
        display: flex;
        position: relative;
      }
      aside {
        width: 17rem;
        flex: none;
        overflow-y: auto;
        border-right: 1px solid var(--kafky-border);
        background: var(--kafky-surface);
      }
      main {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
      }
      kafky-message-list {
        flex: 1;
      }
      kafky-inspector {
        flex: 0 0 50%;
        min-height: 0;
      }
      .rooms-toggle {
        display: none;
        padding: 0.3rem 0.7rem;
      }
      @media (max-width: 48rem) {
        .rooms-toggle {
          display: inline-block;
        }
        aside {
          display: none;
          position: absolute;
          inset: 0 auto 0 0;
          z-index: 2;
          width: min(20rem, 85vw);
          box-shadow: 0 0 1rem rgb(0 0 0 / 25%);
        }
        aside.open {
          display: block;
        }
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
