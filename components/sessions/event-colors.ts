import type { AgentEventType } from "@/contract/run-events";

/** One colour per event kind of a run, shared by the timeline, its legend and the event table. */
export const EVENT_COLORS: Readonly<Record<AgentEventType, string>> = {
  agent_started: "var(--accent)",
  agent_thinking: "var(--violet)",
  tool_executing: "var(--cyan)",
  tool_completed: "var(--chart-3)",
  agent_response_chunk: "var(--chunk)",
  agent_completed: "var(--ok)",
  agent_error: "var(--err)",
};

export function eventColor(type: string): string {
  return Object.hasOwn(EVENT_COLORS, type) ? EVENT_COLORS[type as AgentEventType] : "var(--faint)";
}
