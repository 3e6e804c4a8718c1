/** The five event kinds of a successful run, in order (PROTOCOL.md "The golden path"). */
export const GOLDEN_PATH = ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"] as const;
export type GoldenType = (typeof GOLDEN_PATH)[number];

/** The events an agent may emit during a run: the golden path, streamed text, or an error that ends it. */
export const AGENT_EVENT_TYPES = [...GOLDEN_PATH, "agent_response_chunk", "agent_error"] as const;
export type AgentEventType = (typeof AGENT_EVENT_TYPES)[number];

/** Types whose events carry `seq` (the run's own events). */
export const SEQUENCED_TYPES: ReadonlySet<string> = new Set<string>(AGENT_EVENT_TYPES);

/** True for the types that end a run. */
export const isTerminalType = (type: string): type is "agent_completed" | "agent_error" =>
  type === "agent_completed" || type === "agent_error";

/** The kinds of agent a run may be handed to (PROTOCOL.md "Agents"). */
export const AGENT_KINDS = ["builtin", "ag-ui", "openai"] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

/**
 * The `error_code` of an `agent_error`: why an external agent could not be used (PROTOCOL.md "Agents"),
 * or the built-in agent's own failures.
 */
export const AGENT_ERROR_CODES = [
  "AGENT_UNAVAILABLE",
  "AGENT_TIMEOUT",
  "AGENT_PROTOCOL_ERROR",
  "AGENT_STREAM_TRUNCATED",
  "AGENT_FAILED",
  "AGENT_INCOMPLETE",
  "TOOL_FAILED",
] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];
