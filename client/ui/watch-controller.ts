import { proxy } from 'comlink';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Listener, SubscriptionId } from '../api.ts';
import type { KafkyRemote, WorkerConnection } from '../tab/worker-connection.ts';

type Host = ReactiveControllerHost & { connection?: WorkerConnection | undefined };

/**
 * Keeps a component subscribed to one of the worker's live read models while it is on
 * the page, and re-subscribes when its API or key (a room, say) changes.
 */
export class WatchController<T> implements ReactiveController {
  value: T | undefined;
  /** Whether `value` came for the current key (not kept over from the previous one). */
  fresh = false;
  private current: { api: KafkyRemote; key: string; id: Promise<SubscriptionId> } | undefined;
  private connected = false;

  constructor(
    private readonly host: Host,
    private readonly open: (api: KafkyRemote, listener: Listener<T>) => Promise<SubscriptionId>,
    private readonly key: () => string = () => '',
    /** Whether the old value may stay on screen until the new key's first value arrives. */
    private readonly keepWhileLoading: (oldKey: string, newKey: string) => boolean = () => false,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.refresh();
  }

  hostUpdate(): void {
    this.refresh();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.close();
  }

  private refresh(): void {
    const api = this.host.connection?.api;
    const key = this.key();
    if (!this.connected || !api) return this.close();
    if (this.current?.api === api && this.current.key === key) return;
    const keep = this.current !== undefined && this.keepWhileLoading(this.current.key, key);
    this.close();
    const current = { api, key } as NonNullable<typeof this.current>;
    const listener = proxy((value: T) => {
      if (this.current !== current) return;
      this.value = value;
      this.fresh = true;
      this.host.requestUpdate();
    });
    current.id = this.open(api, listener);
    current.id.catch((error: unknown) => console.error('kafky: could not subscribe', error));
    this.current = current;
    this.fresh = false;
    if (!keep) this.value = undefined;
  }

  private close(): void {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    current.id
      .then((id) => current.api.unsubscribe(id))
      .catch((error: unknown) => console.error('kafky: could not unsubscribe', error));
  }
}
