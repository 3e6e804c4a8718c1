import { AGUIError } from "@ag-ui/core";
import type { AgentErrorCode } from "../../../contract";

/**
 * Why an AG-UI run could not go on: the `agent_error` code, a message safe to show the user (a status
 * or an error kind, never a response body, a header or a secret) and a short kind for the logs.
 */
export class AgUiFailure extends Error {
  override readonly name = "AgUiFailure";

  constructor(
    readonly code: AgentErrorCode,
    message: string,
    readonly kind: string,
  ) {
    super(message);
  }
}

/** A network failure under the request (connect, or reading the body), kept apart from parse errors. */
export class AgUiTransportError extends Error {
  override readonly name = "AgUiTransportError";
  /** The system error code found on the cause chain (ECONNREFUSED, UND_ERR_SOCKET...), when one is. */
  readonly errorCode: string | undefined;

  constructor(cause: unknown) {
    super("transport error");
    this.errorCode = systemErrorCode(cause);
  }
}

/** Connection errors worth another attempt (before the first event only): the agent may be restarting. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** The outcome of one failed attempt: the failure, and whether a retry may follow. */
export interface ClassifiedFailure {
  failure: AgUiFailure;
  retryable: boolean;
}

/**
 * Maps whatever ended the event stream to the contract's codes: a transport error is the agent being
 * unavailable before its first event and a truncated stream after it; AG-UI's ordering rules
 * (`verifyEvents` throws AGUIError) and anything that did not parse or fit the schema are protocol errors.
 */
export function classifyStreamError(err: unknown, sawEvent: boolean): ClassifiedFailure {
  if (err instanceof AgUiFailure) return { failure: err, retryable: false };
  if (err instanceof AgUiTransportError) {
    if (sawEvent) {
      return {
        failure: new AgUiFailure("AGENT_STREAM_TRUNCATED", "The agent's connection closed before the run finished.", "truncated"),
        retryable: false,
      };
    }
    const code = err.errorCode;
    return {
      failure: new AgUiFailure("AGENT_UNAVAILABLE", `The agent could not be reached (${code ?? "network error"}).`, "connection"),
      retryable: code !== undefined && RETRYABLE_CODES.has(code),
    };
  }
  if (err instanceof AGUIError) {
    return { failure: new AgUiFailure("AGENT_PROTOCOL_ERROR", "The agent sent AG-UI events out of order.", "order"), retryable: false };
  }
  return {
    failure: new AgUiFailure("AGENT_PROTOCOL_ERROR", "The agent sent an event that is not valid AG-UI.", "parse"),
    retryable: false,
  };
}

/** The first `code` of the form ECONNREFUSED / UND_ERR_SOCKET along an error's cause chain. */
function systemErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
