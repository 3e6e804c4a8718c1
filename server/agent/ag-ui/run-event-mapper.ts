import { getRunOutcome } from "@ag-ui/client";
import {
  type BaseEvent,
  EventType,
  type ReasoningMessageContentEvent,
  type ReasoningMessageEndEvent,
  type ReasoningMessageStartEvent,
  type RunErrorEvent,
  type RunFinishedEvent,
  type StepStartedEvent,
  type TextMessageContentEvent,
  type ToolCallArgsEvent,
  type ToolCallEndEvent,
  type ToolCallResultEvent,
  type ToolCallStartEvent,
} from "@ag-ui/core";
import { truncate } from "../../text/unicode";
import type { AgentRunContext } from "../agent-runner";
import { MAX_BUFFERED_CHARS, parseResults, ToolCallLedger } from "./tool-calls";
import { runUsage } from "./usage";

/** Longest `task_description` (UTF-16 units), from the run's content. */
const TASK_DESCRIPTION_CHARS = 200;
/** Longest `agent_error` message taken from a RUN_ERROR. */
const ERROR_MESSAGE_CHARS = 500;

/** Types consumed as part of a mapped whole (a step, a reasoning or text message): not counted as ignored. */
const CONSUMED: ReadonlySet<string> = new Set([
  EventType.STEP_FINISHED,
  EventType.REASONING_START,
  EventType.REASONING_END,
  EventType.TEXT_MESSAGE_START,
  EventType.TEXT_MESSAGE_END,
]);

/**
 * The table of PROTOCOL.md "What an external agent's stream becomes": each checked AG-UI event becomes
 * at most one run event through `ctx.emit` (the run manager sequences, merges and delivers them).
 */
export class RunEventMapper {
  readonly #ctx: AgentRunContext;
  readonly #startedAt: number;
  readonly #tools = new ToolCallLedger();
  readonly #reasoning = new Map<string, { text: string }>();
  #steps = 0;

  constructor(ctx: AgentRunContext, startedAt: number) {
    this.#ctx = ctx;
    this.#startedAt = startedAt;
  }

  /** Maps one event; true when it ended the run (RUN_FINISHED or RUN_ERROR), after which nothing is read. */
  take(event: BaseEvent): boolean {
    const ctx = this.#ctx;
    if (ctx.signal.aborted) return true;
    switch (event.type) {
      case EventType.RUN_STARTED:
        ctx.emit("agent_started", { agent_name: ctx.agentName, task_description: truncate(ctx.content, TASK_DESCRIPTION_CHARS) });
        return false;
      case EventType.STEP_STARTED:
        this.#think((event as StepStartedEvent).stepName);
        return false;
      case EventType.REASONING_MESSAGE_START:
        this.#reasoning.set((event as ReasoningMessageStartEvent).messageId, { text: "" });
        return false;
      case EventType.REASONING_MESSAGE_CONTENT:
        this.#reason(event as ReasoningMessageContentEvent);
        return false;
      case EventType.REASONING_MESSAGE_END: {
        const { messageId } = event as ReasoningMessageEndEvent;
        this.#think(this.#reasoning.get(messageId)?.text ?? "");
        this.#reasoning.delete(messageId);
        return false;
      }
      case EventType.TOOL_CALL_START: {
        const e = event as ToolCallStartEvent;
        this.#tools.start(e.toolCallId, e.toolCallName);
        return false;
      }
      case EventType.TOOL_CALL_ARGS: {
        const e = event as ToolCallArgsEvent;
        this.#tools.appendArgs(e.toolCallId, e.delta);
        return false;
      }
      case EventType.TOOL_CALL_END: {
        const { toolCallId } = event as ToolCallEndEvent;
        const call = this.#tools.end(toolCallId, ctx.now());
        ctx.emit("tool_executing", { tool_name: call.name, tool_call_id: toolCallId, parameters: call.parameters });
        return false;
      }
      case EventType.TOOL_CALL_RESULT: {
        const e = event as ToolCallResultEvent;
        const call = this.#tools.answer(e.toolCallId, ctx.now());
        ctx.emit("tool_completed", {
          tool_name: call.name,
          tool_call_id: e.toolCallId,
          results: parseResults(e.content),
          duration_ms: call.durationMs,
          success: true,
        });
        return false;
      }
      case EventType.TEXT_MESSAGE_CONTENT: {
        const e = event as TextMessageContentEvent;
        if (e.delta) ctx.emit("agent_response_chunk", { message_id: e.messageId, delta: e.delta });
        return false;
      }
      case EventType.RUN_FINISHED:
        this.#finish(event as RunFinishedEvent);
        return true;
      case EventType.RUN_ERROR: {
        const message = (event as RunErrorEvent).message || "The agent reported an error.";
        ctx.emit("agent_error", { error_code: "AGENT_FAILED", message: truncate(message, ERROR_MESSAGE_CHARS) });
        return true;
      }
      default:
        if (!CONSUMED.has(event.type)) ctx.ignored(event.type);
        return false;
    }
  }

  #think(reasoning: string): void {
    this.#ctx.emit("agent_thinking", { reasoning, step_number: ++this.#steps });
  }

  #reason(event: ReasoningMessageContentEvent): void {
    const message = this.#reasoning.get(event.messageId);
    if (message && message.text.length < MAX_BUFFERED_CHARS)
      message.text += truncate(event.delta, MAX_BUFFERED_CHARS - message.text.length);
  }

  /** RUN_FINISHED: the run completes, unless it paused for a human (not supported yet). */
  #finish(event: RunFinishedEvent): void {
    const ctx = this.#ctx;
    if (getRunOutcome(event)?.type === "interrupt") {
      ctx.emit("agent_error", {
        error_code: "AGENT_FAILED",
        message: "The agent paused the run for human input (an AG-UI interrupt); human-in-the-loop interrupts are not supported yet.",
      });
      return;
    }
    const usage = runUsage(event.usage);
    ctx.emit("agent_completed", {
      status: "completed",
      // The run manager puts the joined deltas here when the run streamed any (PROTOCOL.md "Streamed text").
      final_response: typeof event.result === "string" ? event.result : "",
      duration_ms: Math.max(0, Math.round(ctx.now() - this.#startedAt)),
      ...(usage ? { usage } : {}),
    });
  }
}
