/** The part of a WebSocket the hub uses, so it can be driven without a network. */
export interface RelaySocket {
  /**
   * A text frame of JSON (`binary` is always false). A Buffer holds the text already
   * encoded as UTF-8: a forward encodes once for all its sockets.
   */
  send(data: string | Buffer, options: { binary: boolean }): void;
  close(code: number, reason: string): void;
  /** Bytes queued and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Drops the connection at once, without a closing handshake. */
  terminate?(): void;
}

export interface RelayLogger {
  debug?(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export const consoleLogger: RelayLogger = {
  info: (message, details) => console.log(message, details ?? ''),
  warn: (message, details) => console.warn(message, details ?? ''),
  error: (message, details) => console.error(message, details ?? ''),
};

export const silentLogger: RelayLogger = { info() {}, warn() {}, error() {} };
