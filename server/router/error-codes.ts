/** The contract's error codes (PROTOCOL.md "Errors"), declared once. */
export const ERROR_CODES = [
  "INVALID_MESSAGE",
  "UNKNOWN_MESSAGE_TYPE",
  "SERVER_ONLY_TYPE",
  "PAYLOAD_TOO_LARGE",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "RATE_LIMITED",
  "NOT_FOUND",
  "HANDLER_ERROR",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error class of the router: a contract code, a message safe to send, and the cause kept inside. */
export class RouterError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "RouterError";
  }
}

/** Turns anything thrown into a RouterError; unknown failures become HANDLER_ERROR with no internals. */
export function toRouterError(err: unknown): RouterError {
  if (err instanceof RouterError) return err;
  return new RouterError("HANDLER_ERROR", "The handler failed to process this message.", { cause: err });
}
