import { LitElement, css, html, nothing } from 'lit';
import type { RoomId } from '../../shared/ids.ts';
import { LIMITS } from '../../shared/limits.ts';
import type { FailedCommandView, RoomSummary } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { roomHref } from './routes.ts';

/** Where the worker stops counting unread messages (see `UNREAD_MAX` in queries). */
const UNREAD_MAX = 1000;
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

/** The rooms this browser is in: name, last message and unread count; and a new room. */
export class KafkyRoomList extends LitElement {
  static override properties = {
    connection: { attribute: false },
    room: {},
    creating: { state: true },
    error: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;
  declare creating: boolean;
  declare error: string | null;

  readonly rooms = new WatchController<RoomSummary[]>(this, (api, listener) =>
    api.watchRooms(listener),
  );

  /** Rooms whose creation the relay refused part-way: undone here, kept to say why. */
  private readonly failed = new WatchController<FailedCommandView[]>(this, (api, listener) =>
    api.watchFailedCommands(listener),
  );

  constructor() {
    super();
    this.creating = false;
    this.error = null;
  }

  override render() {
    const rooms = [...(this.rooms.value ?? [])].sort(
      (a, b) => (b.lastMessage?.ts ?? 0) - (a.lastMessage?.ts ?? 0) || a.name.localeCompare(b.name),
    );
    return html`
      <nav aria-label="Rooms">
        <ul>
          ${rooms.map((r) => this.renderRoom(r))}
        </ul>
      </nav>
      ${
        this.creating
          ? html`<form @submit=${this.onCreate}>
              <input
                aria-label="Room name"
                placeholder="Room name"
                required
                maxlength=${LIMITS.roomNameMax}
                @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && (this.creating = false)}
              />
              <button type="submit">Create room</button>
              <button type="button" class="quiet" @click=${() => (this.creating = false)}>
                Cancel
              </button>
            </form>`
          : html`<button type="button" class="new" @click=${this.startCreating}>New room</button>`
      }
      <p role="alert">${this.error ?? ''}</p>
      <div aria-live="polite" class="failed" ?hidden=${!this.failed.value?.length}>
        <ul aria-label="Failed commands">
          ${(this.failed.value ?? []).map(
            (f) =>
              html`<li>
                <span>${f.what} failed: ${f.error.message}</span>
                <button
                  type="button"
                  class="quiet"
                  aria-label=${`Dismiss: ${f.what} failed`}
                  @click=${() => this.dismiss(f)}
                >
                  Dismiss
                </button>
              </li>`,
          )}
        </ul>
      </div>
    `;
  }

  private dismiss(failed: FailedCommandView): void {
    this.connection?.api
      .dismissFailedCommand(failed.id)
      .catch((error: unknown) => (this.error = `Could not dismiss: ${(error as Error).message}`));
  }

  private renderRoom(r: RoomSummary) {
    const current = r.room === this.room;
    const preview = r.lastMessage
      ? r.lastMessage.deleted
        ? `${r.lastMessage.authorName}: message deleted`
        : `${r.lastMessage.authorName}: ${r.lastMessage.text}`
      : 'No messages yet';
    return html`<li>
      <a href=${roomHref(r.room)} aria-current=${current ? 'page' : 'false'}>
        <bdi class="name">${r.name}</bdi>
        ${
          r.unread > 0
            ? html`<span class="badge ${r.mentions > 0 ? 'mention' : ''}"
                >${r.unread >= UNREAD_MAX ? '999+' : r.unread}<span class="visually-hidden">
                  unread${r.mentions > 0 ? `, ${r.mentions} mentioning you` : ''}</span
                ></span
              >`
            : nothing
        }
        <bdi class="preview">${preview}</bdi>
      </a>
    </li>`;
  }

  private readonly startCreating = async (): Promise<void> => {
    this.creating = true;
    await this.updateComplete;
    this.renderRoot.querySelector('input')?.focus();
  };

  private readonly onCreate = (event: SubmitEvent): void => {
    event.preventDefault();
    const input = this.renderRoot.querySelector('input');
    const name = input?.value.trim() ?? '';
    if (!name || !this.connection) return;
    this.connection.api.createRoom(name).then(
      (room) => {
        this.creating = false;
        this.error = null;
        location.hash = roomHref(room);
      },
      (error: unknown) => (this.error = `Room not created: ${(error as Error).message}`),
    );
  };

  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
        padding: 0.5rem;
        /* A last message changing in the list is laid out and painted in the list alone. */
        contain: layout paint style;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 2px;
      }
      a {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.1rem 0.5rem;
        padding: 0.5rem 0.6rem;
        border-radius: 8px;
        color: inherit;
        text-decoration: none;
      }
      a:hover {
        background: var(--kafky-bubble);
      }
      a[aria-current='page'] {
        background: var(--kafky-bubble-own);
      }
      .name {
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .preview {
        grid-column: 1 / -1;
        color: var(--kafky-muted);
        font-size: 0.85rem;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .badge {
        min-width: 1.4rem;
        padding: 0 0.4rem;
        border-radius: 999px;
        background: var(--kafky-accent);
        color: var(--kafky-on-accent);
        font-size: 0.8rem;
        text-align: center;
      }
      .badge.mention {
        background: var(--kafky-danger);
      }
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
      }
      input {
        font: inherit;
        flex: 1;
        min-width: 8rem;
        padding: 0.35rem 0.6rem;
        border: 1px solid var(--kafky-border);
        border-radius: 8px;
        background: var(--kafky-bg);
        color: inherit;
      }
      p {
        margin: 0;
        color: var(--kafky-danger);
        font-size: 0.8rem;
      }
      p:empty,
      .failed[hidden] {
        display: none;
      }
      .failed li {
        display: flex;
        gap: 0.4rem;
        align-items: center;
        justify-content: space-between;
        color: var(--kafky-danger);
        font-size: 0.8rem;
      }
      /* A long room name wraps inside the list: its Dismiss stays on screen, within reach. */
      .failed span,
      p {
        min-width: 0;
        overflow-wrap: anywhere;
      }
      .failed button {
        flex: none;
      }
    `,
  ];
}

customElements.define('kafky-room-list', KafkyRoomList);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-room-list': KafkyRoomList;
  }
}
