import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RoomId } from '../../shared/index.ts';

/** What the hub reports when the metrics are read. */
export interface HubGauges {
  connections: number;
  /** Per room with subscribers: events its furthest-behind subscriber has not been sent. */
  lag: Map<RoomId, number>;
}

/**
 * Rooms given a lag series of their own, the furthest behind first: a series per room
 * would grow the scrape (and the monitoring's storage) with every room in use, and name
 * every room to whoever reads it. `kafky_rooms_lagging` counts them all.
 */
export const LAGGING_ROOMS_SHOWN = 20;

// Milliseconds to seconds, for a local fsync up to a stalled disk.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The relay's Prometheus metrics (docs/operations.md lists them), in a registry of its
 * own so that several relays in one process (the tests) do not share counters.
 */
export class RelayMetrics {
  readonly registry = new Registry();
  private read: () => HubGauges = () => ({ connections: 0, lag: new Map() });
  /** The hub's gauges as read for the scrape under way: each walks every room once. */
  private scraped: HubGauges | undefined;

  readonly connectionsOpened = this.counter(
    'kafky_connections_opened_total',
    'Sync sockets opened since start',
  );
  readonly connectionsRefused = this.counter(
    'kafky_connections_refused_total',
    'Sync sockets refused, by reason (origin_not_allowed, too_many_connections, shutting_down)',
    'reason',
  );
  readonly eventsIn = this.counter('kafky_events_received_total', 'Events received in pushes');
  readonly eventsAcknowledged = this.counter(
    'kafky_events_acknowledged_total',
    'Events acknowledged (stored now, or found already stored)',
  );
  readonly eventsRefused = this.counter(
    'kafky_events_refused_total',
    'Events refused, by error code',
    'code',
  );
  readonly errorsSent = this.counter(
    'kafky_errors_sent_total',
    'Error frames sent to clients, by code',
    'code',
  );
  readonly ackLatency = this.histogram(
    'kafky_ack_latency_seconds',
    'From a push reaching the hub to its acknowledgement being sent (group commit included)',
  );
  readonly fanOutLatency = this.histogram(
    'kafky_fanout_latency_seconds',
    "From a push reaching the hub to its events being handed to every subscriber's socket",
  );
  readonly catchUpPages = this.counter('kafky_catch_up_pages_total', 'Catch-up pages sent');
  readonly commitSeconds = this.histogram(
    'kafky_commit_seconds',
    'Time to write one group commit to the log, fsync included',
  );
  readonly commitEvents = this.histogram(
    'kafky_commit_events',
    'Events per group commit',
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  );
  readonly slowConsumers = this.counter(
    'kafky_slow_consumer_disconnects_total',
    'Sockets closed for having more unsent bytes queued than --max-buffered-bytes',
  );

  constructor() {
    const read = () => (this.scraped ??= this.read());
    new Gauge({
      name: 'kafky_connections',
      help: 'Open sync sockets',
      registers: [this.registry],
      collect() {
        this.set(read().connections);
      },
    });
    new Gauge({
      name: 'kafky_room_lag_events',
      help: `Events not yet sent to a room's furthest-behind connected subscriber, for the ${LAGGING_ROOMS_SHOWN} rooms furthest behind`,
      labelNames: ['room'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [room, lag] of lagging(read().lag).slice(0, LAGGING_ROOMS_SHOWN)) {
          this.set({ room }, lag);
        }
      },
    });
    new Gauge({
      name: 'kafky_rooms_lagging',
      help: 'Rooms whose furthest-behind connected subscriber has not been sent every event',
      registers: [this.registry],
      collect() {
        this.set(lagging(read().lag).length);
      },
    });
    new Gauge({
      name: 'kafky_process_max_resident_memory_bytes',
      help: 'The largest resident set size the process has had',
      registers: [this.registry],
      collect() {
        this.set(process.resourceUsage().maxRSS * 1024);
      },
    });
  }

  /** Adds Node's process metrics (memory, CPU, event loop): for a real relay, not each test's hub. */
  withProcessMetrics(): this {
    collectDefaultMetrics({ register: this.registry });
    return this;
  }

  observe(read: () => HubGauges): void {
    this.read = read;
  }

  connectionOpened(): void {
    this.connectionsOpened.inc();
  }

  acknowledged(events: number, seconds: number): void {
    this.eventsAcknowledged.inc(events);
    this.ackLatency.observe(seconds);
  }

  fanOut(seconds: number): void {
    this.fanOutLatency.observe(seconds);
  }

  committed(events: number, seconds: number): void {
    this.commitEvents.observe(events);
    this.commitSeconds.observe(seconds);
  }

  /** `events` refused with `code` (0 for a refusal that is not about events). */
  refused(code: string, events: number): void {
    if (events > 0) this.eventsRefused.inc({ code }, events);
  }

  text(): Promise<string> {
    this.scraped = undefined;
    return this.registry.metrics().finally(() => (this.scraped = undefined));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private counter<L extends string = never>(name: string, help: string, label?: L): Counter<L> {
    const labelNames = label === undefined ? [] : [label];
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram(name: string, help: string, buckets = LATENCY_BUCKETS): Histogram {
    return new Histogram({ name, help, buckets, registers: [this.registry] });
  }
}

/** The rooms with a subscriber behind, the furthest behind first. */
function lagging(lag: Map<RoomId, number>): [RoomId, number][] {
  return [...lag].filter(([, behind]) => behind > 0).sort((a, b) => b[1] - a[1]);
}
