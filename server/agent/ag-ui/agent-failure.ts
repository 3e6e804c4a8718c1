import { AGUIError } from "@ag-ui/core";
import { AgentFailure, systemErrorCode } from "../agent-failure";

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
  failure: AgentFailure;
  retryable: boolean;
}

/**
 * Maps whatever ended the event stream to the contract's codes: a transport error is the agent being
 * unavailable before its first event and a truncated stream after it; AG-UI's ordering rules
 * (`verifyEvents` throws AGUIError) and anything that did not parse or fit the schema are protocol errors.
 */
export function classifyStreamError(err: unknown, sawEvent: boolean): ClassifiedFailure {
  if (err instanceof AgentFailure) return { failure: err, retryable: false };
  if (err instanceof AgUiTransportError) {
    if (sawEvent) {
      return {
        failure: new AgentFailure("AGENT_STREAM_TRUNCATED", "The agent's connection closed before the run finished.", "truncated"),
        retryable: false,
      };
    }
    const code = err.errorCode;
    return {
      failure: new AgentFailure("AGENT_UNAVAILABLE", `The agent could not be reached (${code ?? "network error"}).`, "connection"),
      retryable: code !== undefined && RETRYABLE_CODES.has(code),
    };
  }
  if (err instanceof AGUIError) {
    return { failure: new AgentFailure("AGENT_PROTOCOL_ERROR", "The agent sent AG-UI events out of order.", "order"), retryable: false };
  }
  return {
    failure: new AgentFailure("AGENT_PROTOCOL_ERROR", "The agent sent an event that is not valid AG-UI.", "parse"),
    retryable: false,
  };
}
