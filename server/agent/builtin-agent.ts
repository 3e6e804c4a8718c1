import { truncate } from "../text/unicode";
import type { AgentRunContext, AgentRunner } from "./agent-runner";
import { BUILTIN_TOOL_MAP, type ToolOutcome } from "./tools/builtin-tools";
import { findExpression } from "./tools/calculator";

interface PlannedTool {
  name: "calculator" | "knowledge_search";
  parameters: Record<string, unknown>;
}

/** Decides which tools a request needs; the same content always gives the same plan. */
export function planTools(content: string): PlannedTool[] {
  const expression = findExpression(content);
  const tools: PlannedTool[] = [];
  if (expression) tools.push({ name: "calculator", parameters: { expression } });
  const rest = expression ? content.replace(expression, " ") : content;
  if (!expression || /[a-z]{4,}/i.test(rest.replace(/\b(what|whats|is|compute|calculate|please)\b/gi, ""))) {
    tools.push({ name: "knowledge_search", parameters: { query: truncate(rest.trim(), 200) || truncate(content, 200), limit: 3 } });
  }
  return tools;
}

function runTool(tool: PlannedTool): ToolOutcome {
  return BUILTIN_TOOL_MAP[tool.name].run(tool.parameters);
}

function summarize(tool: PlannedTool, outcome: ToolOutcome): string {
  if (!outcome.success) return `The ${tool.name} could not answer (${String(outcome.results.error)}).`;
  if (tool.name === "calculator") return `${String(tool.parameters.expression)} = ${String(outcome.results.value)}.`;
  const hits = outcome.results.hits as { title: string; snippet: string }[];
  if (hits.length === 0) return "I found nothing about that in my knowledge base.";
  return `From "${hits[0]!.title}": ${hits[0]!.snippet}`;
}

/** The deltas of a streamed answer: one per word (with the spaces after it), joined exactly the answer. */
export function wordDeltas(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}

/**
 * The built-in deterministic agent: it thinks, calls real tools (a safe calculator and a keyword search
 * over the bundled knowledge base), and answers. Same content, same events (ids and durations aside).
 * A streaming one (`streamer`, or `"stream": true`) sends its answer as one `agent_response_chunk` per
 * word first, yielding to other work between words.
 */
export class BuiltinAgent implements AgentRunner {
  readonly name: string;
  readonly version = "1.0.0";
  readonly kind = "builtin" as const;
  readonly #stream: boolean;

  constructor(name = "assistant", options: { stream?: boolean } = {}) {
    this.name = name;
    this.#stream = options.stream ?? false;
  }

  async run(ctx: AgentRunContext): Promise<void> {
    const started = ctx.now();
    const tools = planTools(ctx.content);
    ctx.emit("agent_started", { agent_name: ctx.agentName, task_description: truncate(ctx.content, 200) });
    ctx.emit("agent_thinking", {
      reasoning: `Planning ${tools.length} tool call(s): ${tools.map((t) => t.name).join(", ")}.`,
      step_number: 1,
    });
    const answers: string[] = [];
    for (const [i, tool] of tools.entries()) {
      if (ctx.signal.aborted) return;
      const toolCallId = `${ctx.runId}:${i + 1}`;
      ctx.emit("tool_executing", { tool_name: tool.name, tool_call_id: toolCallId, parameters: tool.parameters });
      const toolStarted = ctx.now();
      if (ctx.faults.delay_ms) await ctx.sleep(ctx.faults.delay_ms);
      else await ctx.sleep(0);
      if (ctx.signal.aborted) return;
      const outcome = ctx.faults.fail_tool ? { success: false, results: { error: "simulated tool failure" } } : runTool(tool);
      ctx.emit("tool_completed", {
        tool_name: tool.name,
        tool_call_id: toolCallId,
        results: outcome.results,
        duration_ms: Math.round((ctx.now() - toolStarted) * 1000) / 1000,
        success: outcome.success,
      });
      if (ctx.faults.fail_tool) {
        ctx.emit("agent_error", { error_code: "TOOL_FAILED", message: `The ${tool.name} tool failed.` });
        return;
      }
      answers.push(summarize(tool, outcome));
      if (i < tools.length - 1) {
        ctx.emit("agent_thinking", { reasoning: `Tool ${tool.name} done; continuing with ${tools[i + 1]!.name}.`, step_number: i + 2 });
      }
    }
    if (ctx.signal.aborted) return;
    const answer = answers.join(" ");
    if (this.#stream) {
      const messageId = `${ctx.runId}:answer`;
      for (const delta of wordDeltas(answer)) {
        ctx.emit("agent_response_chunk", { message_id: messageId, delta });
        await ctx.sleep(0);
        if (ctx.signal.aborted) return;
      }
    }
    ctx.emit("agent_completed", {
      status: "completed",
      final_response: answer,
      duration_ms: Math.round((ctx.now() - started) * 1000) / 1000,
    });
  }
}
