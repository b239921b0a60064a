import { LitElement, css, html, type TemplateResult } from 'lit';
import type {
  DeadLettersView,
  ProjectionView,
  RefusedEventsView,
  UnknownEventsView,
} from '../api.ts';
import type { KafkyRemote, WorkerConnection } from '../tab/worker-connection.ts';
import { inspectorStyles } from './inspector-styles.ts';
import './kafky-rebuild-progress.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

/** Rows shown at once in each list; the counts say how many there are. */
const SHOWN = 50;

/**
 * The inspector's view of projection itself: each projector's version and position,
 * "Rebuild read models" with its progress, the events a projector threw on (dead
 * letters, with Retry), and events of types this version does not know.
 */
export class KafkyInspectorHealth extends LitElement {
  static override properties = {
    connection: { attribute: false },
    note: { state: true },
    busy: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  /** What the last action did, for the status line. */
  declare note: string;
  declare busy: boolean;

  private readonly projections = new WatchController<ProjectionView[]>(this, (api, listener) =>
    api.watchProjections(listener),
  );
  private readonly letters = new WatchController<DeadLettersView>(this, (api, listener) =>
    api.watchDeadLetters(SHOWN, listener),
  );
  private readonly unknown = new WatchController<UnknownEventsView>(this, (api, listener) =>
    api.watchUnknownEvents(SHOWN, listener),
  );
  private readonly refused = new WatchController<RefusedEventsView>(this, (api, listener) =>
    api.watchRefusedEvents(SHOWN, listener),
  );

  constructor() {
    super();
    this.note = '';
    this.busy = false;
  }

  override render() {
    return html`${this.renderReadModels()}${this.renderDeadLetters()}${this.renderUnknown()}${this.renderRefused()}`;
  }

  private renderReadModels() {
    const projections = this.projections.value ?? [];
    const building = projections.some((p) => p.rebuilding) || this.busy;
    return html`<div class="part">
      <h3 id="projections-title">Read models</h3>
      <div class="actions">
        <button type="button" ?disabled=${building} @click=${this.rebuild}>
          Rebuild read models
        </button>
        <kafky-rebuild-progress .connection=${this.connection}></kafky-rebuild-progress>
      </div>
      <p role="status">${this.note}</p>
      <div class="table-wrap">
        <table aria-labelledby="projections-title">
          <thead>
            <tr>
              <th scope="col">Projector</th>
              <th scope="col" class="num">Version</th>
              <th scope="col" class="num">Position</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            ${projections.map(
              (p) =>
                html`<tr>
                  <th scope="row">${p.name}</th>
                  <td class="num">${p.version}</td>
                  <td class="num">${p.position}</td>
                  <td>
                    ${
                      p.rebuilding
                        ? `rebuilding, ${Math.round(p.rebuilding.progress * 100)}%`
                        : 'up to date'
                    }
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </div>`;
  }

  private renderDeadLetters() {
    const view = this.letters.value;
    const total = view?.total ?? 0;
    return html`<div class="part">
      <h3 id="letters-title">Dead letters</h3>
      <p>
        ${
          !view
            ? 'Loading…'
            : total === 0
              ? 'None: every event went through its projectors.'
              : `${total} event${total === 1 ? '' : 's'} a projector could not take${shownOf(view.letters.length, total)}.`
        }
      </p>
      ${
        total > 0
          ? html`<button type="button" ?disabled=${this.busy} @click=${this.retryAll}>
                Retry all dead letters
              </button>
              <div class="table-wrap">
                <table aria-labelledby="letters-title">
                  <thead>
                    <tr>
                      <th scope="col" class="num">Position</th>
                      <th scope="col">Projector</th>
                      <th scope="col">Type</th>
                      <th scope="col">Room</th>
                      <th scope="col">Error</th>
                      <th scope="col"><span class="visually-hidden">Action</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    ${view!.letters.map(
                      (letter) =>
                        html`<tr>
                          <th scope="row" class="num">${letter.pos}</th>
                          <td>${letter.projector}</td>
                          <td>${letter.type} v${letter.v}</td>
                          <td><bdi>${letter.room}</bdi></td>
                          <td class="wrap refused">${letter.error}</td>
                          <td>
                            <button
                              type="button"
                              ?disabled=${this.busy}
                              aria-label=${`Retry event ${letter.pos} in ${letter.projector}`}
                              @click=${() => this.retry(letter.projector, letter.pos)}
                            >
                              Retry
                            </button>
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
          : ''
      }
    </div>`;
  }

  private renderUnknown() {
    const view = this.unknown.value;
    return eventList({
      id: 'unknown-title',
      title: 'Unknown events',
      summary: summary(
        view,
        'None: this version knows every event held here.',
        (n) =>
          `${n} of types this version does not know, kept and synced, shown once Kafky is updated`,
      ),
      columns: html`<th scope="col" class="num">Position</th>
        <th scope="col">Type</th>
        <th scope="col" class="num">Version</th>
        <th scope="col">Room</th>`,
      rows: view?.events.map(
        (e) =>
          html`<tr>
            <th scope="row" class="num">${e.pos}</th>
            <td>${e.type}</td>
            <td class="num">${e.v}</td>
            <td><bdi>${e.room}</bdi></td>
          </tr>`,
      ),
    });
  }

  private renderRefused() {
    const view = this.refused.value;
    return eventList({
      id: 'refused-title',
      title: 'Refused events',
      summary: summary(
        view,
        'None: every event from the relay was signed by its author.',
        (n) => `${n} from the relay whose signature does not hold: never stored or shown`,
      ),
      columns: html`<th scope="col">Room</th>
        <th scope="col" class="num">Sequence</th>
        <th scope="col">Type</th>
        <th scope="col">Author</th>
        <th scope="col">Why</th>`,
      rows: view?.events.map(
        (e) =>
          html`<tr>
            <th scope="row"><bdi>${e.room}</bdi></th>
            <td class="num">${e.seq}</td>
            <td>${e.type}</td>
            <td><bdi>${e.author.slice(0, 12)}</bdi></td>
            <td>${e.reason}</td>
          </tr>`,
      ),
    });
  }

  private readonly rebuild = () =>
    this.act(async (api) => {
      await api.rebuildReadModels();
      return 'Read models rebuilt from the log.';
    });

  private readonly retryAll = () =>
    this.act(async (api) => {
      const { retried, failed } = await api.retryDeadLetters();
      return `${retried} went through, ${failed} still failing.`;
    });

  private retry(projector: string, pos: number) {
    return this.act(async (api) =>
      (await api.retryDeadLetter(projector, pos))
        ? `Event ${pos} went through.`
        : `Event ${pos} still fails in ${projector}.`,
    );
  }

  private async act(action: (api: KafkyRemote) => Promise<string>): Promise<void> {
    const api = this.connection?.api;
    if (!api || this.busy) return;
    this.busy = true;
    try {
      this.note = await action(api);
    } catch (error) {
      this.note = `That failed: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.busy = false;
    }
  }

  static override styles = [
    shared,
    inspectorStyles,
    css`
      .part + .part {
        margin-top: 1rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.75rem;
      }
      p {
        margin: 0.3rem 0;
      }
    `,
  ];
}

/** A part of the panel that lists events: its title, a sentence, and a table if any. */
function eventList(part: {
  id: string;
  title: string;
  summary: string;
  columns: TemplateResult;
  rows: TemplateResult[] | undefined;
}) {
  return html`<div class="part">
    <h3 id=${part.id}>${part.title}</h3>
    <p>${part.summary}</p>
    ${
      part.rows?.length
        ? html`<div class="table-wrap">
            <table aria-labelledby=${part.id}>
              <thead>
                <tr>
                  ${part.columns}
                </tr>
              </thead>
              <tbody>
                ${part.rows}
              </tbody>
            </table>
          </div>`
        : ''
    }
  </div>`;
}

/** "Loading…", the sentence for none, or how many (and how many shown). */
function summary(
  view: { total: number; events: readonly unknown[] } | undefined,
  none: string,
  some: (events: string) => string,
): string {
  if (!view) return 'Loading…';
  const { total } = view;
  if (total === 0) return none;
  return `${some(`${total} event${total === 1 ? '' : 's'}`)}${shownOf(view.events.length, total)}.`;
}

function shownOf(shown: number, total: number): string {
  return total > shown ? `, the first ${shown} shown` : '';
}

customElements.define('kafky-inspector-health', KafkyInspectorHealth);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-inspector-health': KafkyInspectorHealth;
  }
}
