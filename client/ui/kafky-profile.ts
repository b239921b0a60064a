import { LitElement, css, html } from 'lit';
import { LIMITS } from '../../shared/limits.ts';
import type { RoomId } from '../../shared/ids.ts';
import type { ProfileView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

/** The name others see for this person, set as an event in the room. */
export class KafkyProfile extends LitElement {
  static override properties = {
    connection: { attribute: false },
    room: {},
    error: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;
  declare error: string | null;

  private readonly profile = new WatchController<ProfileView>(
    this,
    (api, listener) => api.watchProfile(this.room, listener),
    () => this.room,
  );

  constructor() {
    super();
    this.error = null;
  }

  override render() {
    const name = this.profile.value?.name ?? '';
    return html`
      <form @submit=${this.onSubmit}>
        <input
          aria-label="Display name"
          placeholder="Your name"
          maxlength=${LIMITS.displayNameMax}
          autocomplete="nickname"
          .value=${name}
        />
        <button type="submit">Save name</button>
      </form>
      <p role="alert">${this.error ?? ''}</p>
    `;
  }

  private readonly onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    const input = this.renderRoot.querySelector('input');
    const name = input?.value.trim() ?? '';
    if (!this.connection || !name || name === this.profile.value?.name) return;
    this.connection.api.setDisplayName(this.room, name).then(
      () => (this.error = null),
      (error: unknown) => (this.error = `Name not saved: ${(error as Error).message}`),
    );
  };

  static override styles = [
    shared,
    css`
      form {
        display: flex;
        gap: 0.4rem;
      }
      input {
        font: inherit;
        width: 10rem;
        padding: 0.35rem 0.6rem;
        border: 1px solid var(--kafky-border);
        border-radius: 8px;
        background: var(--kafky-bg);
        color: inherit;
      }
      button {
        padding: 0.35rem 0.75rem;
      }
      p {
        margin: 0;
        color: var(--kafky-danger);
        font-size: 0.8rem;
      }
      p:empty {
        display: none;
      }
    `,
  ];
}

customElements.define('kafky-profile', KafkyProfile);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-profile': KafkyProfile;
  }
}
