import type { BusEvent, Emit } from '../api.ts';

export type BusHandler = (event: BusEvent) => void | Promise<void>;

/**
 * Emits every event twice: `eager` once it is stored in this browser, `kafked` once the
 * relay has made it durable and sequenced it. A subscriber picks the guarantee it needs.
 * A failing subscriber is logged and cut off from nothing: the others still get the event.
 */
export class EventBus {
  private readonly handlers: Record<Emit, Set<BusHandler>> = {
    eager: new Set(),
    kafked: new Set(),
  };

  constructor(private readonly onHandlerError: (error: unknown) => void = console.error) {}

  subscribe(emit: Emit, handler: BusHandler): () => void {
    this.handlers[emit].add(handler);
    return () => this.handlers[emit].delete(handler);
  }

  emit(emit: Emit, events: readonly BusEvent[]): void {
    for (const event of events) {
      for (const handler of [...this.handlers[emit]]) {
        try {
          const result = handler(event);
          if (result instanceof Promise) result.catch(this.onHandlerError);
        } catch (error) {
          this.onHandlerError(error);
        }
      }
    }
  }

  /** How many subscribers an emit has, for tests and the inspector. */
  count(emit: Emit): number {
    return this.handlers[emit].size;
  }
}
