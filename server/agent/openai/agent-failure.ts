import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { AgentFailure, systemErrorCode } from "../agent-failure";

/** A connection that could not be made, or was refused or reset before any answer (the only retryable error). */
export function isConnectionError(err: unknown): boolean {
  return err instanceof APIConnectionError && !(err instanceof APIConnectionTimeoutError);
}

/**
 * The failure an error of the SDK, of the stream or of ours stands for. The message names a status or
 * a system error code at most: never a response body, header or key (the SDK's own error messages
 * quote the body, so they are never used).
 */
export function failureOf(err: unknown, phase: "request" | "stream", timeoutMs: number): AgentFailure {
  if (err instanceof AgentFailure) return err;
  if (err instanceof APIConnectionTimeoutError) return timedOut(timeoutMs);
  if (err instanceof APIConnectionError) {
    const code = systemErrorCode(err);
    return new AgentFailure("AGENT_UNAVAILABLE", `The agent could not be reached${code ? ` (${code})` : ""}.`);
  }
  if (err instanceof APIError) {
    if (typeof err.status === "number") return new AgentFailure("AGENT_UNAVAILABLE", `The agent answered HTTP ${err.status}.`);
    // An `error` object inside the stream: the agent reported a failure (its text may quote anything).
    return new AgentFailure("AGENT_FAILED", "The agent reported an error in its stream.");
  }
  if (err instanceof SyntaxError) return new AgentFailure("AGENT_PROTOCOL_ERROR", "The agent's stream has an event that is not JSON.");
  if (phase === "stream") return new AgentFailure("AGENT_STREAM_TRUNCATED", "The agent's stream broke off before the turn finished.");
  return new AgentFailure("AGENT_FAILED", "The agent could not be called.");
}

/** AGENT_TIMEOUT: nothing came from the agent for `timeoutMs`. */
export function timedOut(timeoutMs: number): AgentFailure {
  return new AgentFailure("AGENT_TIMEOUT", `The agent sent nothing for ${timeoutMs} ms.`);
}
