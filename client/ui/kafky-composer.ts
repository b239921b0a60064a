import { LitElement, css, html, nothing } from 'lit';
import { LIMITS } from '../../shared/limits.ts';
import type { RoomId } from '../../shared/ids.ts';
import { askForPersistentStorage } from '../tab/persistent-storage.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { shared } from './styles.ts';

/** Writes messages: Enter sends, Shift+Enter starts a new line. */
export class KafkyComposer extends LitElement {
  static override properties = {
    connection: { attribute: false },
    room: {},
    error: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;
  declare error: string | null;

  /** Sends handed to the worker and not yet stored. */
  private sending = 0;

  constructor() {
    super();
    this.error = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('beforeunload', this.onBeforeUnload);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('beforeunload', this.onBeforeUnload);
    super.disconnectedCallback();
  }

  /**
   * Warns before the tab closes only when something would be lost: text not sent yet,
   * or a send not yet stored. Pending messages are already in IndexedDB and go out
   * the next time Kafky is open, so they are no reason to hold anyone back.
   */
  private readonly onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (this.sending === 0 && !this.textarea?.value.trim()) return;
    event.preventDefault();
    // Older browsers show the prompt only when returnValue is set.
    event.returnValue = '';
  };

  private get textarea(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector('textarea');
  }

  override render() {
    return html`
      <form @submit=${this.onSubmit}>
        <textarea
          aria-label="Message"
          placeholder="Write a message…"
          rows="1"
          maxlength=${LIMITS.messageTextMax}
          enterkeyhint="send"
          aria-describedby="composer-error"
          @keydown=${this.onKeydown}
        ></textarea>
        <button type="submit">Send</button>
      </form>
      <p id="composer-error" role="alert">${this.error ?? nothing}</p>
    `;
  }

  private readonly onKeydown = (event: KeyboardEvent): void => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void this.send();
    }
  };

  private readonly onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    void this.send();
  };

  private async send(): Promise<void> {
    const textarea = this.textarea;
    const text = textarea?.value.trim() ?? '';
    if (!textarea || !text || !this.connection) return;
    // Clear at once: the message shows as pending straight away, from the local store.
    textarea.value = '';
    textarea.focus();
    this.sending += 1;
    try {
      await this.connection.api.sendMessage(this.room, text);
      this.error = null;
      void askForPersistentStorage();
    } catch (error) {
      // Nothing was stored: give the text back so nothing the person wrote is lost.
      if (!textarea.value) textarea.value = text;
      this.error = `Not sent: ${(error as Error).message}`;
    } finally {
      this.sending -= 1;
    }
  }

  static override styles = [
    shared,
    css`
      :host {
        display: block;
        padding: 0.75rem 1rem 1rem;
        border-top: 1px solid var(--kafky-border);
        background: var(--kafky-surface);
      }
      form {
        display: flex;
        gap: 0.5rem;
        align-items: flex-end;
      }
      textarea {
        flex: 1;
        font: inherit;
        resize: none;
        field-sizing: content;
        min-height: 2.5rem;
        max-height: 12rem;
        padding: 0.5rem 0.75rem;
        border: 1px solid var(--kafky-border);
        border-radius: 8px;
        background: var(--kafky-bg);
        color: inherit;
      }
      p[role='alert'] {
        margin: 0.25rem 0 0;
        color: var(--kafky-danger);
        font-size: 0.85rem;
      }
      p[role='alert']:empty {
        display: none;
      }
    `,
  ];
}

customElements.define('kafky-composer', KafkyComposer);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-composer': KafkyComposer;
  }
}
