import { LitElement, css, html, nothing } from 'lit';
import { EVENT_SCHEMAS, LOCAL_EVENT_SCHEMAS } from '../../shared/events/index.ts';
import type { EventId, RoomId } from '../../shared/ids.ts';
import type { LogEventView, LogFilter, LogPage, RoomHeadView } from '../api.ts';
import type { WorkerConnection } from '../tab/worker-connection.ts';
import { inspectorStyles } from './inspector-styles.ts';
import { shared } from './styles.ts';
import { WatchController } from './watch-controller.ts';

/** Events per page of the log table. */
export const LOG_PAGE_SIZE = 50;

/** Every event type this code knows, for the type filter. */
const EVENT_TYPES = [
  ...new Set([...EVENT_SCHEMAS, ...LOCAL_EVENT_SCHEMAS].map((s) => s.properties.type.const)),
].sort();

/** Asks the inspector to show a room as it was just after one of its events. */
export class TimeTravelEvent extends Event {
  constructor(
    readonly room: RoomId,
    readonly id: EventId,
  ) {
    super('kafky-time-travel', { bubbles: true, composed: true });
  }
}

/**
 * This browser's log as a table, newest first, a page at a time: filtered by room and
 * type, each event with its place, author and state, and a way to see its room as it
 * was just after it. The first page follows new events as they come.
 */
export class KafkyInspectorLog extends LitElement {
  static override properties = {
    connection: { attribute: false },
    rooms: { attribute: false },
    filter: { state: true },
    cursors: { state: true },
  };
  declare connection: WorkerConnection | undefined;
  /** The rooms to filter by. */
  declare rooms: readonly RoomHeadView[];
  declare filter: LogFilter;
  /** Where each page after the first starts: the way back is popping it. */
  declare cursors: number[];

  private readonly page = new WatchController<LogPage>(
    this,
    (api, listener) => {
      const before = this.cursors.at(-1);
      const page =
        before === undefined ? { limit: LOG_PAGE_SIZE } : { before, limit: LOG_PAGE_SIZE };
      return api.watchEventLog(this.filter, page, listener);
    },
    () => JSON.stringify([this.filter, this.cursors.at(-1)]),
    // The old page stays until the next arrives, so paging does not flash an empty table.
    () => true,
  );

  constructor() {
    super();
    this.rooms = [];
    this.filter = {};
    this.cursors = [];
  }

  override render() {
    const page = this.page.value;
    const first = this.cursors.length * LOG_PAGE_SIZE + 1;
    const shown = page?.events.length ?? 0;
    return html`
      <h3 id="log-title">Local log</h3>
      <div class="filters" role="group" aria-label="Filter the log">
        <label>
          Room
          <select @change=${(e: Event) => this.setFilter('room', e)}>
            <option value="" ?selected=${!this.filter.room}>All rooms</option>
            ${this.rooms.map(
              (r) =>
                html`<option value=${r.room} ?selected=${this.filter.room === r.room}>
                  ${r.name}
                </option>`,
            )}
          </select>
        </label>
        <label>
          Type
          <select @change=${(e: Event) => this.setFilter('type', e)}>
            <option value="" ?selected=${!this.filter.type}>All types</option>
            ${EVENT_TYPES.map(
              (t) => html`<option value=${t} ?selected=${this.filter.type === t}>${t}</option>`,
            )}
          </select>
        </label>
      </div>
      <p class="status" role="status">
        ${
          page
            ? shown === 0
              ? 'No events.'
              : `Events ${first}–${first + shown - 1} of ${page.total}, newest first.`
            : 'Loading…'
        }
      </p>
      <div class="table-wrap">
        <table aria-labelledby="log-title">
          <thead>
            <tr>
              <th scope="col" class="num">Position</th>
              <th scope="col">Room</th>
              <th scope="col" class="num">Sequence</th>
              <th scope="col">Type</th>
              <th scope="col">Author</th>
              <th scope="col">Time</th>
              <th scope="col">State</th>
              <th scope="col">Time travel</th>
            </tr>
          </thead>
          <tbody>
            ${page?.events.map((e) => this.renderRow(e)) ?? nothing}
          </tbody>
        </table>
      </div>
      <div class="pager" role="group" aria-label="Log pages">
        <button
          type="button"
          class="quiet"
          ?disabled=${this.cursors.length === 0}
          @click=${() => (this.cursors = this.cursors.slice(0, -1))}
        >
          Newer events
        </button>
        <button
          type="button"
          class="quiet"
          ?disabled=${!page || page.older === null}
          @click=${() => page?.older != null && (this.cursors = [...this.cursors, page.older])}
        >
          Older events
        </button>
      </div>
    `;
  }

  private renderRow(e: LogEventView) {
    const time = new Date(e.ts);
    return html`<tr data-pos=${e.pos}>
      <th scope="row" class="num">${e.pos}</th>
      <td><bdi>${e.roomName}</bdi></td>
      <td class="num">${e.seq ?? html`<span class="muted">none</span>`}</td>
      <td>${e.type} <span class="muted">v${e.v}</span></td>
      <td><bdi>${e.authorName}</bdi></td>
      <td><time datetime=${time.toISOString()}>${formatTime(time)}</time></td>
      <td class=${e.state === 'refused' ? 'refused wrap' : 'wrap'}>
        ${e.state}${e.reason ? html`: ${e.reason.message} (${e.reason.code})` : nothing}
      </td>
      <td>
        <button
          type="button"
          class="quiet"
          aria-label="Time travel to just after event ${e.pos}, ${e.type}"
          @click=${() => this.dispatchEvent(new TimeTravelEvent(e.room, e.id))}
        >
          Time travel
        </button>
      </td>
    </tr>`;
  }

  private setFilter(key: keyof LogFilter, event: Event): void {
    const value = (event.currentTarget as HTMLSelectElement).value;
    const filter: LogFilter = { ...this.filter };
    if (value) filter[key] = value as RoomId;
    else delete filter[key];
    this.filter = filter;
    this.cursors = [];
  }

  static override styles = [
    shared,
    inspectorStyles,
    css`
      .filters,
      .pager {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
      }
      .status {
        margin: 0.4rem 0;
      }
      .pager {
        margin-top: 0.4rem;
      }
    `,
  ];
}

function formatTime(time: Date): string {
  return time.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

customElements.define('kafky-inspector-log', KafkyInspectorLog);

declare global {
  interface HTMLElementTagNameMap {
    'kafky-inspector-log': KafkyInspectorLog;
  }
  interface HTMLElementEventMap {
    'kafky-time-travel': TimeTravelEvent;
  }
}
