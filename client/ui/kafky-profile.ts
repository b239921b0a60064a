import { LitElement, css, html, nothing } from 'lit';
import { LIMITS } from '../../shared/limits.ts';
import type { ProfileView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

/**
 * The name others see. On first open it asks for one (without blocking: a guest can
 * chat at once under a stable "Guest" name); later a button opens the same form.
 */
export class KafkyProfile extends LitElement {
  static override properties = {
    connection: { attribute: false },
    editing: { state: true },
    error: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare editing: boolean;
  declare error: string | null;

  private readonly profile = new WatchController<ProfileView>(this, (api, listener) =>
    api.watchProfile(listener),
  );

  constructor() {
    super();
    this.editing = false;
    this.error = null;
  }

  override render() {
    const profile = this.profile.value;
    if (!profile) return nothing;
    const firstTime = profile.name === null;
    if (!firstTime && !this.editing) {
      return html`<bdi class="current">${profile.name}</bdi>
        <button type="button" class="quiet" @click=${() => (this.editing = true)}>
          Change name
        </button>`;
    }
    return html`
      <form @submit=${this.onSubmit} class=${firstTime ? 'welcome' : ''}>
        ${
          firstTime
            ? html`<label for="name">Welcome to Kafky. Choose the name others will see:</label>`
            : nothing
        }
        <input
          id="name"
          aria-label="Display name"
          placeholder="Your name"
          required
          maxlength=${LIMITS.displayNameMax}
          autocomplete="nickname"
          .value=${profile.name ?? ''}
          @keydown=${this.onKeydown}
        />
        <button type="submit">Save name</button>
        ${
          firstTime
            ? nothing
            : html`<button type="button" class="quiet" @click=${() => (this.editing = false)}>
                Cancel
              </button>`
        }
      </form>
      <p role="alert">${this.error ?? ''}</p>
    `;
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('editing') && this.editing) {
      this.renderRoot.querySelector('input')?.focus();
    }
  }

  private readonly onKeydown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && this.editing) this.editing = false;
  };

  private readonly onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    const input = this.renderRoot.querySelector('input');
    const name = input?.value.trim() ?? '';
    if (!this.connection || !name) return;
    if (name === this.profile.value?.name) {
      this.editing = false;
      return;
    }
    this.connection.api.setDisplayName(name).then(
      () => {
        this.error = null;
        this.editing = false;
      },
      (error: unknown) => (this.error = `Name not saved: ${(error as Error).message}`),
    );
  };

  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        align-items: center;
        gap: 0.4rem;
        flex-wrap: wrap;
      }
      form {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem;
      }
      form.welcome {
        padding: 0.5rem 0.75rem;
        border: 1px solid var(--kafky-accent);
        border-radius: 8px;
        background: var(--kafky-bg);
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
      .current {
        font-weight: 600;
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
