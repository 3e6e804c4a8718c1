import type { AgentErrorCode } from "../../contract";

/**
 * Why an external agent's run cannot go on: its `agent_error` code, a message safe to show the user (a
 * status or a system error code at most, never a response body, a header or a key) and a short kind for
 * the logs.
 */
export class AgentFailure extends Error {
  override readonly name = "AgentFailure";

  constructor(
    readonly code: AgentErrorCode,
    message: string,
    readonly kind = "failure",
  ) {
    super(message);
  }
}

/** The first system error code (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET...) along an error's cause chain. */
export function systemErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
