/** The five event kinds of a successful run, in order (PROTOCOL.md "The golden path"). */
export const GOLDEN_PATH = ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"] as const;
export type GoldenType = (typeof GOLDEN_PATH)[number];

/** The events an agent may emit during a run: the golden path, or an error that ends it. */
export const AGENT_EVENT_TYPES = [...GOLDEN_PATH, "agent_error"] as const;
export type AgentEventType = (typeof AGENT_EVENT_TYPES)[number];

/** Types whose events carry `seq` (the run's own events). */
export const SEQUENCED_TYPES: ReadonlySet<string> = new Set<string>(AGENT_EVENT_TYPES);

/** True for the types that end a run. */
export const isTerminalType = (type: string): type is "agent_completed" | "agent_error" =>
  type === "agent_completed" || type === "agent_error";
