import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  parseClientFrame,
  toKafkyError,
  type AnyEvent,
  type AuthorId,
  type ConnectionId,
  type ErrorCode,
  type Push,
  type RelayMessage,
  type RoomId,
} from '../../shared/index.ts';
import { admitEvent } from './admission.ts';
import type { Hub, Subscription } from './hub.ts';
import type { RelaySocket } from './socket.ts';

const CLOSE_INTERNAL_ERROR = 1011;
const TYPING_WINDOW_MS = 1000;

/** Where a connection's typing signals for one room stand, for the rate limit. */
interface TypingState {
  /** When the current one-second window began. */
  window: number;
  /** `active: true` signals passed on in that window. */
  count: number;
  /** The last state passed on to the room. */
  active: boolean;
  /** A start held back by the limit, to pass on when the window ends. */
  deferred?: ReturnType<typeof setTimeout>;
}

/**
 * One client's socket: the protocol's state machine. Every entry point catches what it
 * throws, so no bad frame or failed commit can escape into the socket's callbacks.
 */
export class Connection {
  readonly subscriptions = new Map<RoomId, Subscription>();
  /**
   * Who this connection speaks for, from its first `hello`; null if it did not say.
   * Taken on trust until issue 6 has clients prove it.
   */
  author: AuthorId | null = null;
  private readonly typing = new Map<RoomId, TypingState>();
  private greeted = false;
  private open = true;
  private readonly helloTimer: ReturnType<typeof setTimeout>;

  constructor(
    readonly id: ConnectionId,
    private readonly socket: RelaySocket,
    private readonly hub: Hub,
  ) {
    this.helloTimer = setTimeout(
      () => this.close(CLOSE_CODES.helloTimeout, 'no hello'),
      hub.helloTimeoutMs,
    );
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** A frame from the client: text, or binary (which the protocol does not use). */
  receive(data: string | ArrayBuffer | Uint8Array): void {
    try {
      if (typeof data !== 'string') {
        this.error('invalid_message', 'binary frames are not part of the protocol; send JSON text');
        return;
      }
      const bytes = Buffer.byteLength(data);
      const max = this.hub.limits.maxFrameBytes;
      if (bytes > max) {
        this.error('frame_too_large', `a frame may be at most ${max} bytes; this one has ${bytes}`);
        return;
      }
      const parsed = parseClientFrame(data);
      if (!parsed.ok) {
        this.error(parsed.error.code, parsed.error.message);
        return;
      }
      const message = parsed.value;
      if (message.type === 'hello') return this.hello(message.protocol, message.author);
      if (!this.greeted) {
        this.error('not_ready', 'send hello first', true);
        this.close(CLOSE_CODES.protocolError, 'hello expected');
        return;
      }
      if (message.type === 'subscribe')
        return this.hub.subscribe(this, message.room, message.after);
      if (message.type === 'unsubscribe') return this.hub.unsubscribe(this, message.room);
      if (message.type === 'typing') return this.typingSignal(message.room, message.active);
      this.push(message);
    } catch (error) {
      this.fail(error);
    }
  }

  /** The socket closed, from either side. */
  closed(): void {
    if (!this.open) return;
    this.open = false;
    clearTimeout(this.helloTimer);
    for (const { deferred } of this.typing.values()) clearTimeout(deferred);
    try {
      this.hub.detach(this);
    } catch (error) {
      // Called from the socket's close callback: nothing may escape into it.
      this.hub.logger.error('relay: could not detach a connection', {
        connection: this.id,
        error: toKafkyError(error).message,
      });
    }
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    try {
      this.socket.close(code, reason);
    } finally {
      this.closed();
    }
  }

  /** Sends a frame (`text`: the message already encoded); closes a consumer too far behind. */
  send(message: RelayMessage, text?: string): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > this.hub.limits.maxBufferedBytes) {
      this.hub.slowConsumer(this);
      return;
    }
    if (message.type === 'error') this.hub.metrics.errorsSent.inc({ code: message.code });
    this.socket.send(text ?? JSON.stringify(message));
  }

  /** Resolves once the socket's queue is below the high-water mark (or it closed). */
  async drained(): Promise<void> {
    while (this.open && this.socket.bufferedAmount > this.hub.highWaterBytes) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Something unexpected: report it to the client and the operator, keep serving. */
  fail(error: unknown): void {
    const failure = toKafkyError(error);
    this.hub.logger.error('relay: connection error', {
      connection: this.id,
      code: failure.code,
      error: failure.message,
    });
    this.error(failure.code, failure.message);
  }

  /** Whether the last typing signal this connection passed on to `room` said "typing". */
  isTypingIn(room: RoomId): boolean {
    return this.typing.get(room)?.active === true;
  }

  private hello(protocol: number, author: AuthorId | undefined): void {
    if (protocol !== PROTOCOL_VERSION) {
      this.error(
        'protocol_mismatch',
        `this relay speaks protocol ${PROTOCOL_VERSION}, the client ${protocol}; reload the page to update`,
        true,
      );
      this.close(CLOSE_CODES.protocolMismatch, 'protocol mismatch');
      return;
    }
    clearTimeout(this.helloTimer);
    // A connection speaks for one author for its whole life: a later hello keeps the first.
    if (!this.greeted) this.author = author ?? null;
    this.greeted = true;
    this.send({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      epoch: this.hub.log.epoch,
      connection: this.id,
      time: this.hub.time(),
    });
  }

  /**
   * A typing signal, passed on to the room and never stored. Starts are limited to
   * `hub.typingPerSecond` per room and second: the excess is dropped, except that the
   * last one is passed on when the second is over, so a quick "type, send, type again"
   * still shows. A stop cancels that and is passed on whenever it changes what the room
   * last heard, so no one is shown typing for longer because of the limit.
   */
  private typingSignal(room: RoomId, active: boolean): void {
    if (!this.author) {
      this.error('no_author', 'name an author in hello to send typing signals');
      return;
    }
    if (!this.subscriptions.has(room)) {
      this.error('not_subscribed', `subscribe to room "${room}" before typing in it`);
      return;
    }
    const now = this.hub.time();
    const state = this.typing.get(room) ?? { window: now, count: 0, active: false };
    this.typing.set(room, state);
    clearTimeout(state.deferred);
    state.deferred = undefined;
    if (!active) {
      if (!state.active) return;
      state.active = false;
      this.hub.typing(this, room, false);
      return;
    }
    if (now - state.window >= TYPING_WINDOW_MS || now < state.window) {
      state.window = now;
      state.count = 0;
    }
    if (state.count >= this.hub.typingPerSecond) {
      state.deferred = setTimeout(
        () => {
          state.deferred = undefined;
          // The held-back start opens the next window.
          state.window = this.hub.time();
          state.count = 0;
          // A timer's callback: nothing may escape it either.
          try {
            if (this.open && this.subscriptions.has(room)) this.typingSignal(room, true);
          } catch (error) {
            this.fail(error);
          }
        },
        state.window + TYPING_WINDOW_MS - now,
      );
      return;
    }
    state.count += 1;
    state.active = true;
    this.hub.typing(this, room, true);
  }

  /** Refuses each event the relay will not store on its own, and commits the others. */
  private push(message: Push): void {
    const refusal = this.hub.refusePush(this, message.events.length);
    if (refusal) {
      this.send(refusal);
      return;
    }
    const valid: AnyEvent[] = [];
    for (const event of message.events) {
      const checked = admitEvent(event, this.hub.maxEventBytes);
      if (checked.ok) valid.push(checked.value);
      else {
        this.hub.metrics.refused(checked.error.code, 1);
        this.send({
          type: 'rejected',
          id: event.id,
          code: checked.error.code,
          message: checked.error.message,
        });
      }
    }
    if (valid.length === 0) return;
    this.hub.commit(this, valid).catch((error: unknown) => {
      // Nothing was stored: the client keeps the events and pushes them again later.
      const failure = toKafkyError(error, 'storage_failed');
      this.hub.logger.error('relay: commit failed', {
        connection: this.id,
        error: failure.message,
      });
      this.error(failure.code, failure.message, true);
      this.close(CLOSE_INTERNAL_ERROR, 'storage failure');
    });
  }

  private error(code: ErrorCode, message: string, fatal = false): void {
    this.send(fatal ? { type: 'error', code, message, fatal } : { type: 'error', code, message });
  }
}
