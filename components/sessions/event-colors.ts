/** One colour per event kind, shared by the timeline, its legend and the event table. */
export const EVENT_COLORS: Record<string, string> = {
  agent_started: "var(--accent)",
  agent_thinking: "var(--violet)",
  tool_executing: "var(--cyan)",
  tool_completed: "var(--chart-3)",
  agent_completed: "var(--ok)",
  agent_error: "var(--err)",
};

export function eventColor(type: string): string {
  return EVENT_COLORS[type] ?? "var(--faint)";
}
