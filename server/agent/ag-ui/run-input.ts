import type { Message, RunAgentInput } from "@ag-ui/core";
import type { AgentRunContext, ThreadTurn } from "../agent-runner";

/**
 * The AG-UI `RunAgentInput` Switchyard POSTs (PROTOCOL.md "Agents"): the run's thread and run ids, the
 * thread's history as user/assistant messages ending with this run's user message, no tools, no context,
 * an empty state, and who asked in `forwardedProps.switchyard`.
 */
export function buildRunAgentInput(ctx: AgentRunContext, history: readonly ThreadTurn[]): RunAgentInput {
  const messages: Message[] = history.map((turn): Message =>
    turn.role === "user" ? { id: turn.id, role: "user", content: turn.content } : { id: turn.id, role: "assistant", content: turn.content },
  );
  messages.push({ id: `${ctx.runId}_user`, role: "user", content: ctx.content });
  return {
    threadId: ctx.threadId,
    runId: ctx.runId,
    messages,
    tools: [],
    context: [],
    state: {},
    forwardedProps: { switchyard: { user_id: ctx.userId, agent_name: ctx.agentName } },
  };
}
