import { LitElement, css, html, nothing } from 'lit';
import { LIMITS } from '../../shared/limits.ts';
import type { RoomId } from '../../shared/ids.ts';
import type { MessageView } from '../api.ts';
import { askForPersistentStorage } from '../tab/persistent-storage.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { outgoing } from './outgoing.ts';
import { shared } from './styles.ts';
import { TYPING_IDLE_MS, TYPING_REPEAT_MS } from './typing.ts';

/** Writes messages: Enter sends, Shift+Enter starts a new line. */
export class KafkyComposer extends LitElement {
  static override properties = {
    connection: { attribute: false },
    room: {},
    replyTo: { attribute: false },
    error: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare room: RoomId;
  /** The message this one will answer, chosen with a message's Reply button. */
  declare replyTo: MessageView | null;
  declare error: string | null;

  /** Sends handed to the worker and not yet stored. */
  private sending = 0;
  /** The room this composer last told "typing", until it says it stopped. */
  private typingIn: RoomId | null = null;
  private typingSaidAt = 0;
  private typingIdle: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.error = null;
    this.replyTo = null;
  }

  /** Puts the cursor in the composer, e.g. after Reply. */
  override focus(): void {
    this.textarea?.focus();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    // Typing belongs to its room too.
    if (changed.has('room') && this.typingIn !== this.room) this.stopTyping();
    // A reply belongs to its room.
    if (changed.has('room') && changed.get('room') !== undefined) this.replyTo = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('beforeunload', this.onBeforeUnload);
  }

  override disconnectedCallback(): void {
    this.stopTyping();
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
    const reply = this.replyTo;
    return html`
      ${
        reply
          ? html`<div class="replying">
              <span
                >Replying to <strong><bdi>${reply.authorName}</bdi></strong
                >:
                <span class="quote">${reply.deleted ? 'message deleted' : reply.text}</span></span
              >
              <button type="button" class="quiet" @click=${() => (this.replyTo = null)}>
                Cancel reply
              </button>
            </div>`
          : nothing
      }
      <form @submit=${this.onSubmit}>
        <textarea
          aria-label="Message"
          placeholder="Write a message…"
          rows="1"
          maxlength=${LIMITS.messageTextMax}
          enterkeyhint="send"
          aria-describedby="composer-error"
          @keydown=${this.onKeydown}
          @input=${this.onInput}
          @blur=${this.stopTyping}
        ></textarea>
        <button type="submit">Send</button>
      </form>
      <p id="composer-error" role="alert">${this.error ?? nothing}</p>
    `;
  }

  private readonly onKeydown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && this.replyTo) {
      this.replyTo = null;
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void this.send();
    }
  };

  /**
   * Tells the room the reader is typing: at once, then again every few seconds while
   * they go on (the signal expires on its own), and that they stopped once the text is
   * empty or they pause. Sending and leaving the box also stop it.
   */
  private readonly onInput = (): void => {
    clearTimeout(this.typingIdle);
    if (!this.textarea?.value.trim()) {
      this.stopTyping();
      return;
    }
    const now = Date.now();
    if (this.typingIn !== this.room || now - this.typingSaidAt >= TYPING_REPEAT_MS) {
      this.typingIn = this.room;
      this.typingSaidAt = now;
      this.sayTyping(this.room, true);
    }
    this.typingIdle = setTimeout(this.stopTyping, TYPING_IDLE_MS);
  };

  private readonly stopTyping = (): void => {
    clearTimeout(this.typingIdle);
    const room = this.typingIn;
    if (!room) return;
    this.typingIn = null;
    this.sayTyping(room, false);
  };

  private sayTyping(room: RoomId, active: boolean): void {
    // Only a hint for the others, gone in seconds: a failure is not worth showing.
    this.connection?.api
      .setTyping(room, active)
      .catch((error: unknown) => console.warn('kafky: could not send typing', error));
  }

  private readonly onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    void this.send();
  };

  private async send(): Promise<void> {
    const textarea = this.textarea;
    const text = textarea?.value.trim() ?? '';
    if (!textarea || !text || !this.connection) return;
    const reply = this.replyTo;
    // To the worker first, before anything else this click does (the typing note, the
    // rendering it asks for): every moment here is a moment more until the others see it.
    const sent = this.connection.api.sendMessage(this.room, text, reply?.id);
    // Shown in the list at once, before the worker has stored it (see outgoing.ts).
    const sending = outgoing.add(this.room, text, reply?.id);
    // Clear at once: the message shows as pending straight away, from the local store.
    textarea.value = '';
    this.stopTyping();
    textarea.focus();
    this.sending += 1;
    this.replyTo = null;
    try {
      sending.settle(await sent);
      this.error = null;
      void askForPersistentStorage();
    } catch (error) {
      sending.drop();
      // Nothing was stored: give the text back so nothing the person wrote is lost.
      if (!textarea.value) textarea.value = text;
      this.replyTo ??= reply;
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
      .replying {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        margin-bottom: 0.4rem;
        font-size: 0.85rem;
        color: var(--kafky-muted);
      }
      .replying > span {
        flex: 1;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .replying button {
        padding: 0.1rem 0.5rem;
        font-size: 0.8rem;
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
