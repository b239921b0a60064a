import type { MessageView, QuoteView } from '../api.ts';

/**
 * A BroadcastChannel the browser's tabs (and its worker) pass notes on, and this tab's
 * listeners to what they change. What comes from the channel is only a hint (another tab
 * may run another version of the app): a note not understood is warned of, never thrown.
 */
export class TabChannel<Heard> {
  private readonly listeners = new Set<(heard: Heard) => void>();
  private readonly channel: BroadcastChannel | null;

  constructor(
    name: string,
    private readonly what: string,
    take: (data: unknown) => void,
  ) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
    this.channel?.addEventListener('message', (event: MessageEvent<unknown>) => {
      try {
        take(event.data);
      } catch (error) {
        this.misread(error);
      }
    });
  }

  /** A note (or part of one) that could not be read: said, and otherwise left out. */
  misread(detail: unknown): void {
    console.warn(`kafky: a note about ${this.what} was not understood`, detail);
  }

  /** Tells the other tabs; this tab already knows. */
  post(note: unknown): void {
    try {
      this.channel?.postMessage(note);
    } catch (error) {
      console.warn(`kafky: could not tell the other tabs of ${this.what}`, error);
    }
  }

  subscribe(listener: (heard: Heard) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(heard: Heard): void {
    // Called from a send, a timer and the channel: a failing view must not stop the others.
    for (const listener of this.listeners) {
      try {
        listener(heard);
      } catch (error) {
        console.error(`kafky: a listener to ${this.what} failed`, error);
      }
    }
  }

  close(): void {
    this.channel?.close();
  }
}

/** How a reply shows the message it quotes. */
export function quoteOf(quoted: MessageView): QuoteView {
  return {
    id: quoted.id,
    authorName: quoted.authorName,
    text: quoted.text,
    deleted: quoted.deleted,
  };
}
