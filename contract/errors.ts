/**
 * Every error code Switchyard speaks, declared once with what it maps to on each surface: the HTTP
 * status of the operator API, the JSON-RPC error code of the bridge, and where it appears. The router,
 * the HTTP API, the handshakes and the dashboard all use this table and the one error class below.
 */
export const ERRORS = {
  // Chat acks (PROTOCOL.md "Errors"); the operator API uses the same names where they apply.
  INVALID_MESSAGE: { http: 400, jsonrpc: -32602, surface: "ack" },
  UNKNOWN_MESSAGE_TYPE: { http: 400, jsonrpc: -32601, surface: "ack" },
  SERVER_ONLY_TYPE: { http: 400, jsonrpc: -32601, surface: "ack" },
  PAYLOAD_TOO_LARGE: { http: 413, jsonrpc: -32000, surface: "ack" },
  UNAUTHORIZED: { http: 401, jsonrpc: -32000, surface: "ack" },
  FORBIDDEN: { http: 403, jsonrpc: -32000, surface: "ack" },
  RATE_LIMITED: { http: 429, jsonrpc: -32000, surface: "ack" },
  NOT_FOUND: { http: 404, jsonrpc: -32000, surface: "ack" },
  HANDLER_ERROR: { http: 500, jsonrpc: -32000, surface: "ack" },
  // Handshakes (`connect_error` message).
  TOO_MANY_CONNECTIONS: { http: 429, jsonrpc: -32000, surface: "handshake" },
  // The operator API only.
  METHOD_NOT_ALLOWED: { http: 405, jsonrpc: -32000, surface: "http" },
  CONFLICT: { http: 409, jsonrpc: -32000, surface: "http" },
  INTERNAL: { http: 500, jsonrpc: -32000, surface: "http" },
  // A new TCP connection past MAX_CONNECTIONS, refused before any request or upgrade.
  SERVER_BUSY: { http: 503, jsonrpc: -32000, surface: "http" },
  // The dashboard's own, when no answer in the contract's shape came back.
  NETWORK: { http: 0, jsonrpc: -32000, surface: "client" },
  BAD_RESPONSE: { http: 0, jsonrpc: -32000, surface: "client" },
} as const satisfies Record<string, { http: number; jsonrpc: number; surface: "ack" | "handshake" | "http" | "client" }>;

export type ErrorCode = keyof typeof ERRORS;

/** The codes a chat ack may carry (PROTOCOL.md "Errors"), in the contract's order. */
export type AckErrorCode = { [K in ErrorCode]: (typeof ERRORS)[K]["surface"] extends "ack" ? K : never }[ErrorCode];
export const isAckErrorCode = (code: ErrorCode): code is AckErrorCode => ERRORS[code].surface === "ack";
export const ACK_ERROR_CODES = (Object.keys(ERRORS) as ErrorCode[]).filter(isAckErrorCode);

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === "string" && Object.hasOwn(ERRORS, code);

/** The body of every failed operator API response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * The one error class: a code of the table, a message safe to show the client, the cause kept inside.
 * `status` is the code's HTTP status unless given (the dashboard keeps the status it received).
 */
export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SwitchyardError";
    this.code = code;
    this.status = options?.status ?? ERRORS[code].http;
  }

  /** The operator API's error body. */
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }

  /** The JSON-RPC error object: the message for -32601/-32602, the contract code for -32000. */
  toJsonRpc(): { code: number; message: string } {
    const code = ERRORS[this.code].jsonrpc;
    return { code, message: code === -32000 ? this.code : this.message };
  }
}

/** Turns anything thrown into a SwitchyardError; unknown failures become HANDLER_ERROR with no internals. */
export function toSwitchyardError(err: unknown): SwitchyardError {
  if (err instanceof SwitchyardError) return err;
  return new SwitchyardError("HANDLER_ERROR", "The handler failed to process this message.", { cause: err });
}
