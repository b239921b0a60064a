import {
  CLOSE_CODES,
  PROOF_TEXTS,
  PROTOCOL_VERSION,
  parseClientFrame,
  toKafkyError,
  type AnyEvent,
  type Auth,
  type AuthorId,
  type ConnectionId,
  type ErrorCode,
  type EventId,
  type KafkyError,
  type Push,
  type RelayMessage,
  type RoomId,
  type Subscribe,
} from '../../shared/index.ts';
import { admitPushed, newChallenge, verifyProof } from './auth.ts';
import { roomAccess, type Joined } from './room-access.ts';
import type { Hub, Subscription } from './hub.ts';
import type { RelaySocket } from './socket.ts';

const CLOSE_INTERNAL_ERROR = 1011;
const TYPING_WINDOW_MS = 1000;
/** Bytes that hold JSON text go out as a text frame, as the protocol has every frame. */
const TEXT_FRAME = { binary: false } as const;

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
   * Who this connection speaks for, once its `auth` proved the key (the author id is
   * the public key); null until then, and then it may only authenticate.
   */
  author: AuthorId | null = null;
  /** Signed by the client in `auth` and in each keyed room's `subscribe`. */
  readonly challenge = newChallenge();
  /** The rooms this connection proved (or, open ones, named), with the key it proved. */
  readonly joined: Joined = new Map();
  /**
   * Subscriptions and pushes wait for a room's state (read from the log once); they go
   * through here in turn so that none overtakes the frame before it.
   */
  private gate: Promise<unknown> = Promise.resolve();
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
      if (message.type === 'hello') return this.hello(message.protocol);
      if (!this.greeted) {
        this.error('not_ready', 'send hello first', true);
        this.close(CLOSE_CODES.protocolError, 'hello expected');
        return;
      }
      if (message.type === 'auth') return this.authenticate(message);
      if (!this.author) {
        this.error('not_authenticated', 'answer the challenge of welcome with auth first', true);
        this.close(CLOSE_CODES.protocolError, 'auth expected');
        return;
      }
      if (message.type === 'subscribe') return this.join(message);
      if (message.type === 'unsubscribe') {
        return this.inTurn(() => this.hub.unsubscribe(this, message.room));
      }
      if (message.type === 'typing') {
        return this.inTurn(() => this.typingSignal(message.room, message.active));
      }
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

  /**
   * Sends a frame (`encoded`: the message already encoded as UTF-8 JSON); closes a
   * consumer too far behind.
   */
  send(message: RelayMessage, encoded?: Buffer): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > this.hub.limits.maxBufferedBytes) {
      this.hub.slowConsumer(this);
      return;
    }
    if (message.type === 'error') this.hub.metrics.errorsSent.inc({ code: message.code });
    this.socket.send(encoded ?? JSON.stringify(message), TEXT_FRAME);
  }

  /** Resolves once the socket's queue is below the high-water mark (or it closed). */
  async drained(): Promise<void> {
    let wait = 10;
    while (this.open && this.socket.bufferedAmount > this.hub.highWaterBytes) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      // A socket that stays full (a client that stopped reading) is looked at less often.
      wait = Math.min(wait * 2, 500);
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

  private hello(protocol: number): void {
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
    this.greeted = true;
    this.send({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      epoch: this.hub.log.epoch,
      connection: this.id,
      time: this.hub.time(),
      challenge: this.challenge,
    });
  }

  /**
   * The client proves its author's key by signing this connection's challenge. A
   * connection speaks for one author for its whole life: a second `auth` is refused.
   */
  private authenticate({ author, proof }: Auth): void {
    if (this.author) {
      this.error('invalid_message', `this connection is authenticated as ${this.author} already`);
      return;
    }
    if (!verifyProof(author, PROOF_TEXTS.auth(this.challenge), proof)) {
      this.error(
        'auth_failed',
        'the proof is not the signature of this challenge by that key',
        true,
      );
      this.close(CLOSE_CODES.authFailed, 'authentication failed');
      return;
    }
    this.author = author;
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
      const checked = admitPushed(event, this.author!, this.hub.maxEventBytes);
      if (checked.ok) valid.push(checked.value);
      else this.reject(event.id, checked.error);
    }
    if (valid.length === 0) return;
    this.commitAllowed(valid).catch((error: unknown) => {
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

  /** Runs `step` once every frame before it is done with its room checks. */
  private inTurn(step: () => unknown): void {
    this.gate = this.gate
      .then(step)
      .catch((error: unknown) => this.fail(error))
      .then(() => undefined);
  }

  /** A subscribe: proved (or open), it starts; refused, it says why and the connection goes on. */
  private join(message: Subscribe): void {
    const access = roomAccess(this.hub.log);
    this.inTurn(async () => {
      const refusal = await access.subscribe(message, this.challenge, this.joined);
      if (!this.open) return;
      if (refusal) {
        this.send({
          type: 'error',
          code: refusal.code,
          message: refusal.message,
          room: message.room,
        });
      } else this.hub.subscribe(this, message.room, message.after, message.latest);
    });
  }

  /**
   * Commits the events this connection may write into their rooms and refuses the others
   * one by one (`room_denied`). The room checks go in turn; the commits behind them are
   * not waited for, so one connection's pushes still share group commits.
   */
  private async commitAllowed(events: AnyEvent[]): Promise<void> {
    const access = roomAccess(this.hub.log);
    const checked = this.gate.then(() => access.push(events, this.joined));
    this.gate = checked.catch(() => undefined);
    const refusals = await checked;
    const allowed = events.filter((event, i) => {
      const refusal = refusals[i];
      if (refusal) this.reject(event.id, refusal);
      return !refusal;
    });
    if (allowed.length === 0) return;
    const results = await this.hub.commit(this, allowed);
    results.forEach((result, i) => access.stored(allowed[i]!, result.seq));
  }

  /** Refuses one event of a push on its own (counted in the metrics); the others go on. */
  private reject(id: EventId, { code, message }: KafkyError): void {
    this.hub.metrics.refused(code, 1);
    this.send({ type: 'rejected', id, code, message });
  }

  private error(code: ErrorCode, message: string, fatal = false): void {
    this.send(fatal ? { type: 'error', code, message, fatal } : { type: 'error', code, message });
  }
}
