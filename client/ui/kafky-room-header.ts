import { LitElement, css, html, nothing } from 'lit';
import type { RoomId } from '../../shared/ids.ts';
import { LIMITS } from '../../shared/limits.ts';
import type { ActivityView, RoomView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { inviteLink } from './routes.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

type Mode = 'idle' | 'renaming' | 'leaving';

/** The current room's name and members, and what one can do with the room. */
export class KafkyRoomHeader extends LitElement {
  static override properties = {
    connection: { attribute: false },
    room: {},
    mode: { state: true },
    notice: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;
  declare mode: Mode;
  declare notice: string;

  readonly view = new WatchController<RoomView>(
    this,
    (api, listener) => api.watchRoom(this.room, listener),
    () => this.room,
  );

  /** Who is online in the room now: ephemeral, from the relay's presence signals. */
  readonly activity = new WatchController<ActivityView>(
    this,
    (api, listener) => api.watchActivity(this.room, listener),
    () => this.room,
  );

  constructor() {
    super();
    this.mode = 'idle';
    this.notice = '';
  }

  override render() {
    const view = this.view.value;
    const denied = this.activity.value?.denied;
    if (denied) {
      // Opened by its id alone: the relay keeps the room closed, and says so.
      return html`<p role="alert" class="denied">
        This room is closed to this browser: open it with its invite link, which you can ask someone
        in the room for. <span class="reason">(${denied})</span>
      </p>`;
    }
    if (!view) return nothing;
    const names = view.members.map((m) => (m.own ? `${m.name} (you)` : m.name));
    return html`
      <div class="title">
        <h2><bdi>${view.name}</bdi></h2>
        <span class="members" title=${names.join(', ')}
          >${view.members.length} ${view.members.length === 1 ? 'member' : 'members'}</span
        >
        ${this.renderOnline()}
      </div>
      ${view.joined ? this.renderActions(view) : this.renderJoin()}
      <p aria-live="polite" class="notice">${this.notice}</p>
    `;
  }

  /** "2 online", with the names on hover and, for screen readers, in the text itself. */
  private renderOnline() {
    const online = this.activity.value?.online ?? [];
    if (online.length === 0) return nothing;
    const names = online.map((m) => (m.own ? `${m.name} (you)` : m.name)).join(', ');
    return html`<span class="online" title=${names}
      ><span class="dot" aria-hidden="true"></span>${online.length} online<span
        class="visually-hidden"
        >: ${names}</span
      ></span
    >`;
  }

  private renderActions(view: RoomView) {
    if (this.mode === 'renaming') {
      return html`<form @submit=${this.onRename}>
        <input
          aria-label="New room name"
          required
          maxlength=${LIMITS.roomNameMax}
          .value=${view.name}
          @keydown=${this.escape}
        />
        <button type="submit">Save room name</button>
        <button type="button" class="quiet" @click=${() => (this.mode = 'idle')}>Cancel</button>
      </form>`;
    }
    if (this.mode === 'leaving') {
      return html`<div class="actions" role="group" aria-label="Leave this room?">
        <span>Leave ${view.name}?</span>
        <button type="button" class="danger" @click=${this.onLeave}>Confirm leave</button>
        <button type="button" class="quiet" @click=${() => (this.mode = 'idle')}>Cancel</button>
      </div>`;
    }
    return html`<div class="actions">
      <button type="button" class="quiet" @click=${this.onCopyInvite}>Copy invite link</button>
      <button type="button" class="quiet" @click=${() => this.setMode('renaming')}>
        Rename room
      </button>
      <button type="button" class="quiet" @click=${() => this.setMode('leaving')}>
        Leave room
      </button>
    </div>`;
  }

  private renderJoin() {
    return html`<div class="actions">
      <span>You are not in this room.</span>
      <button type="button" @click=${this.onJoin}>Join room</button>
    </div>`;
  }

  private async setMode(mode: Mode): Promise<void> {
    this.mode = mode;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('input, .danger')?.focus();
  }

  private readonly escape = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') this.mode = 'idle';
  };

  private readonly onRename = (event: SubmitEvent): void => {
    event.preventDefault();
    const name = this.renderRoot.querySelector('input')?.value.trim() ?? '';
    if (!name || !this.connection) return;
    this.run(this.connection.api.renameRoom(this.room, name), 'Room renamed.');
  };

  private readonly onLeave = (): void => {
    if (!this.connection) return;
    this.run(this.connection.api.leaveRoom(this.room), 'You left the room.');
  };

  private readonly onJoin = (): void => {
    if (!this.connection) return;
    this.run(this.connection.api.joinRoom(this.room), 'You joined the room.');
  };

  private readonly onCopyInvite = (): void => {
    const api = this.connection?.api;
    if (!api) return;
    const room = this.room;
    api
      .roomSecret(room)
      .then((secret) => this.copy(inviteLink(room, secret, location.href)))
      .catch((error: unknown) => (this.notice = `No invite link: ${(error as Error).message}`));
  };

  private copy(link: string): void {
    navigator.clipboard.writeText(link).then(
      () => (this.notice = 'Invite link copied.'),
      // Without clipboard access, show the link so it can be copied by hand.
      () => (this.notice = `Invite link: ${link}`),
    );
  }

  private run(action: Promise<unknown>, done: string): void {
    action.then(
      () => {
        this.mode = 'idle';
        this.notice = done;
      },
      (error: unknown) => (this.notice = `Not done: ${(error as Error).message}`),
    );
  }

  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 1rem;
        padding: 0.5rem 1rem;
        border-bottom: 1px solid var(--kafky-border);
      }
      .title {
        display: flex;
        align-items: baseline;
        gap: 0.6rem;
        margin-right: auto;
        min-width: 0;
      }
      h2 {
        margin: 0;
        font-size: 1.1rem;
        overflow-wrap: anywhere;
      }
      .members {
        color: var(--kafky-muted);
        font-size: 0.85rem;
      }
      .online {
        display: inline-flex;
        align-items: center;
        gap: 0.3rem;
        color: var(--kafky-muted);
        font-size: 0.85rem;
      }
      .online .dot {
        width: 0.5rem;
        height: 0.5rem;
        border-radius: 50%;
        background: var(--kafky-ok);
      }
      .actions,
      form {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem;
      }
      button {
        padding: 0.3rem 0.7rem;
        font-size: 0.9rem;
      }
      button.danger {
        background: var(--kafky-danger);
        color: #fff;
      }
      input {
        font: inherit;
        padding: 0.3rem 0.6rem;
        border: 1px solid var(--kafky-border);
        border-radius: 8px;
        background: var(--kafky-bg);
        color: inherit;
      }
      .denied {
        margin: 0;
        color: var(--kafky-danger);
      }
      .denied .reason {
        color: var(--kafky-muted);
        font-size: 0.85rem;
      }
      .notice {
        flex-basis: 100%;
        margin: 0;
        font-size: 0.85rem;
        color: var(--kafky-muted);
        overflow-wrap: anywhere;
      }
      .notice:empty {
        display: none;
      }
    `,
  ];
}

customElements.define('kafky-room-header', KafkyRoomHeader);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-room-header': KafkyRoomHeader;
  }
}
