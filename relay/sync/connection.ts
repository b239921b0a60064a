import {
  CLOSE_CODES,
  LIMITS,
  PROTOCOL_VERSION,
  checkEvent,
  parseClientFrame,
  toKafkyError,
  type AnyEvent,
  type ConnectionId,
  type ErrorCode,
  type Push,
  type RelayMessage,
  type RoomId,
} from '../../shared/index.ts';
import type { Hub, Subscription } from './hub.ts';
import type { RelaySocket } from './socket.ts';

const CLOSE_INTERNAL_ERROR = 1011;

/**
 * One client's socket: the protocol's state machine. Every entry point catches what it
 * throws, so no bad frame or failed commit can escape into the socket's callbacks.
 */
export class Connection {
  readonly subscriptions = new Map<RoomId, Subscription>();
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
      if (bytes > LIMITS.frameBytesMax) {
        this.error(
          'frame_too_large',
          `a frame may be at most ${LIMITS.frameBytesMax} bytes; this one has ${bytes}`,
        );
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
      if (message.type === 'subscribe')
        return this.hub.subscribe(this, message.room, message.after);
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
    this.hub.detach(this);
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    try {
      this.socket.close(code, reason);
    } finally {
      this.closed();
    }
  }

  send(message: RelayMessage): void {
    if (this.open) this.socket.send(JSON.stringify(message));
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
    });
  }

  private push(message: Push): void {
    const valid: AnyEvent[] = [];
    for (const event of message.events) {
      const checked = checkEvent(event);
      if (checked.ok) valid.push(event);
      else
        this.send({
          type: 'rejected',
          id: event.id,
          code: checked.error.code,
          message: checked.error.message,
        });
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
