import { LitElement, css, html, nothing } from 'lit';
import type { SearchHit } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { messageHref } from './routes.ts';
import { shared } from './styles.ts';

const RESULTS = 30;
/** Wait for a pause in typing before asking the worker. */
const DEBOUNCE_MS = 150;

/** Searches every room held in this browser; a result opens the message in its room. */
export class KafkySearch extends LitElement {
  static override properties = {
    connection: { attribute: false },
    query: { state: true },
    hits: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  declare query: string;
  declare hits: SearchHit[] | null;

  private timer: ReturnType<typeof setTimeout> | undefined;
  private asked = 0;

  constructor() {
    super();
    this.query = '';
    this.hits = null;
  }

  override render() {
    return html`
      <form role="search" @submit=${(e: SubmitEvent) => e.preventDefault()}>
        <input
          type="search"
          aria-label="Search messages"
          placeholder="Search messages"
          .value=${this.query}
          @input=${this.onInput}
          @keydown=${this.onKeydown}
        />
      </form>
      ${
        this.hits === null
          ? nothing
          : html`<p class="count" aria-live="polite">
                ${
                  this.hits.length === 0
                    ? 'No messages found'
                    : `${this.hits.length}${this.hits.length === RESULTS ? '+' : ''} found`
                }
              </p>
              <ul aria-label="Search results">
                ${this.hits.map(
                  (hit) =>
                    html`<li>
                      <a href=${messageHref(hit.room, hit.id)} @click=${this.clear}>
                        <span class="where"
                          ><bdi>${hit.authorName}</bdi> in <bdi>${hit.roomName}</bdi></span
                        >
                        <bdi class="text">${hit.text}</bdi>
                      </a>
                    </li>`,
                )}
              </ul>`
      }
    `;
  }

  private readonly onInput = (event: InputEvent): void => {
    this.query = (event.target as HTMLInputElement).value;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), DEBOUNCE_MS);
  };

  private readonly onKeydown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') this.clear();
  };

  private readonly clear = (): void => {
    clearTimeout(this.timer);
    this.asked += 1;
    this.query = '';
    this.hits = null;
  };

  private async run(): Promise<void> {
    const api = this.connection?.api;
    const query = this.query.trim();
    const ask = ++this.asked;
    if (!api || !query) {
      this.hits = null;
      return;
    }
    try {
      const hits = await api.search(query, RESULTS);
      // A slower answer to an older query must not replace a newer one.
      if (ask === this.asked) this.hits = hits;
    } catch (error) {
      console.warn('kafky: search failed', error);
      if (ask === this.asked) this.hits = [];
    }
  }

  static override styles = [
    shared,
    css`
      :host {
        display: block;
        padding: 0.5rem 0.5rem 0;
      }
      input {
        width: 100%;
        font: inherit;
        padding: 0.35rem 0.6rem;
        border: 1px solid var(--kafky-border);
        border-radius: 8px;
        background: var(--kafky-bg);
        color: inherit;
      }
      .count {
        margin: 0.4rem 0.2rem 0.2rem;
        font-size: 0.8rem;
        color: var(--kafky-muted);
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        max-height: 50vh;
        overflow-y: auto;
      }
      a {
        display: flex;
        flex-direction: column;
        padding: 0.35rem 0.5rem;
        border-radius: 8px;
        color: inherit;
        text-decoration: none;
        font-size: 0.85rem;
      }
      a:hover {
        background: var(--kafky-bubble);
      }
      .where {
        color: var(--kafky-muted);
        font-size: 0.75rem;
      }
      .text {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
    `,
  ];
}

customElements.define('kafky-search', KafkySearch);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-search': KafkySearch;
  }
}
