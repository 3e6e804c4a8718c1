import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { BuiltinToolName } from "../../../contract";
import type { ThreadTurn } from "../agent-runner";
import { BUILTIN_TOOL_MAP } from "../tools/builtin-tools";

/** The declared built-in tools as function tools, with the contract's JSON schemas. */
export function functionTools(names: readonly BuiltinToolName[]): ChatCompletionFunctionTool[] {
  return names.map((name) => {
    const tool = BUILTIN_TOOL_MAP[name];
    return { type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
  });
}

/** A run's first messages: the system prompt (if any), the thread's history, then this run's user message. */
export function initialMessages(
  systemPrompt: string | undefined,
  history: readonly ThreadTurn[],
  content: string,
): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (systemPrompt) messages.push({ role: "system", content: systemPrompt });
  for (const turn of history) {
    if (turn.role === "user") messages.push({ role: "user", content: turn.content });
    else messages.push({ role: "assistant", content: turn.content });
  }
  messages.push({ role: "user", content });
  return messages;
}

/** The streamed chat completions request of one model turn (usage asked for in the last chunk). */
export function turnRequest(
  model: string,
  messages: ChatCompletionMessageParam[],
  tools: ChatCompletionFunctionTool[],
): ChatCompletionCreateParamsStreaming {
  return {
    model,
    messages,
    ...(tools.length > 0 ? { tools } : {}),
    stream: true,
    stream_options: { include_usage: true },
  };
}
