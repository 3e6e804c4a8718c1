import type { ChatCompletionToolMessageParam } from "openai/resources/chat/completions";
import type { BuiltinToolName } from "../../../contract";
import { truncate } from "../../text/unicode";
import type { AgentRunContext } from "../agent-runner";
import { BUILTIN_TOOL_MAP, type ToolOutcome } from "../tools/builtin-tools";
import type { AssembledToolCall } from "./tool-call-assembler";

/** The arguments as `tool_executing` shows them: the JSON object, or `{raw}` when they are not one. */
function parametersOf(text: string): { parameters: Record<string, unknown>; value: unknown; json: boolean } {
  if (text.trim() === "") return { parameters: {}, value: {}, json: true };
  try {
    const value: unknown = JSON.parse(text);
    const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
    return { parameters: isObject ? (value as Record<string, unknown>) : { raw: text }, value, json: true };
  } catch {
    return { parameters: { raw: text }, value: undefined, json: false };
  }
}

/** Runs a call the model asked for inside Switchyard: only declared tools, only arguments that fit. */
function outcomeOf(call: AssembledToolCall, declared: readonly BuiltinToolName[], args: ReturnType<typeof parametersOf>): ToolOutcome {
  const name = declared.find((t) => t === call.name);
  if (!name)
    return { success: false, results: { error: `unknown tool: ${truncate(call.name, 64) || "(no name)"} is not declared for this agent` } };
  if (!args.json) return { success: false, results: { error: "invalid arguments: not JSON" } };
  return BUILTIN_TOOL_MAP[name].run(args.value);
}

/**
 * One tool call of a model turn: `tool_executing`, the tool's run, `tool_completed` (success false for a
 * tool not declared or arguments that do not fit; the loop goes on), and the `tool` message for the
 * next turn.
 */
export function executeToolCall(
  ctx: AgentRunContext,
  call: AssembledToolCall,
  declared: readonly BuiltinToolName[],
): ChatCompletionToolMessageParam {
  const toolName = truncate(call.name, 128) || "(no name)";
  const args = parametersOf(call.arguments);
  ctx.emit("tool_executing", { tool_name: toolName, tool_call_id: call.id, parameters: args.parameters });
  const started = ctx.now();
  const outcome = outcomeOf(call, declared, args);
  ctx.emit("tool_completed", {
    tool_name: toolName,
    tool_call_id: call.id,
    results: outcome.results,
    duration_ms: Math.round((ctx.now() - started) * 1000) / 1000,
    success: outcome.success,
  });
  return { role: "tool", tool_call_id: call.id, content: JSON.stringify(outcome.results) };
}
