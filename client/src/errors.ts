import type { Ack } from "../../contract/ack";

/** A refused handshake: `message` is the server's code (`UNAUTHORIZED`, `TOO_MANY_CONNECTIONS`, ...). */
export class ConnectError extends Error {
  /** The server's code, or the transport's own message when no code came back. */
  readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConnectError";
    this.code = message;
  }
}

/** A message the server refused: the ack's code and message. */
export class AckRefusedError extends Error {
  readonly code: string;
  readonly ack: Extract<Ack, { ok: false }>;

  constructor(ack: Extract<Ack, { ok: false }>) {
    super(`${ack.error.code}: ${ack.error.message}`);
    this.name = "AckRefusedError";
    this.code = ack.error.code;
    this.ack = ack;
  }
}

/** No ack within the timeout (the message may still have been routed: resend with the same `message_id`). */
export class AckTimeoutError extends Error {
  constructor(type: string, timeoutMs: number) {
    super(`no ack for ${type} within ${timeoutMs} ms`);
    this.name = "AckTimeoutError";
  }
}

/** The client was closed while something waited on it. */
export class ClientClosedError extends Error {
  constructor() {
    super("the client was closed");
    this.name = "ClientClosedError";
  }
}
