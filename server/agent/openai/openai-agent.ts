import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { truncate } from "../../text/unicode";
import type { Logger } from "../../logger";
import type { AgentRunContext, AgentRunner } from "../agent-runner";
import { AgentFailure } from "../agent-failure";
import { functionTools, initialMessages, turnRequest } from "./chat-request";
import { runModelTurn, type TurnResult } from "./model-turn";
import { apiKeyOf, createClient, type OpenAiDeclaration, PLACEHOLDER_API_KEY } from "./openai-client";
import { executeToolCall } from "./tool-execution";
import type { ModelTurnObserver } from "./turn-observer";

/**
 * An agent that speaks the OpenAI chat completions API, streamed (PROTOCOL.md "Agents"): per model turn
 * an `agent_thinking`, the content deltas as `agent_response_chunk`s, each tool call run inside
 * Switchyard as a `tool_executing` / `tool_completed` pair, until a turn answers without tool calls
 * (`agent_completed` with the usage summed over the turns) or `max_steps` turns have passed.
 */
export class OpenAiAgent implements AgentRunner {
  readonly name: string;
  readonly version = "openai";
  readonly kind = "openai" as const;
  readonly #decl: OpenAiDeclaration;
  readonly #logger: Logger;
  #warnedNoKey = false;
  readonly #turnObservers: ModelTurnObserver[] = [];

  constructor(decl: OpenAiDeclaration, logger: Logger) {
    this.name = decl.name;
    this.#decl = decl;
    this.#logger = logger;
  }

  /** Tells `observer` of every model turn (node-wiring: the OpenTelemetry export's `chat` spans). */
  observeTurns(observer: ModelTurnObserver): void {
    this.#turnObservers.push(observer);
  }

  async run(ctx: AgentRunContext): Promise<void> {
    const started = ctx.now();
    ctx.emit("agent_started", { agent_name: ctx.agentName, task_description: truncate(ctx.content, 200) });
    try {
      await this.#loop(ctx, started);
    } catch (err) {
      if (!(err instanceof AgentFailure)) throw err;
      if (ctx.signal.aborted) return;
      // The code only: the failure's message is safe, but logs keep to what an operator needs.
      ctx.logger.info({ error_code: err.code }, "openai agent failed");
      ctx.emit("agent_error", { error_code: err.code, message: err.message });
    }
  }

  async #loop(ctx: AgentRunContext, started: number): Promise<void> {
    const decl = this.#decl;
    const client = createClient(decl, this.#apiKey());
    const tools = functionTools(decl.tools);
    const messages: ChatCompletionMessageParam[] = initialMessages(decl.system_prompt, await ctx.history(), ctx.content);
    const usage = { input_tokens: 0, output_tokens: 0 };
    let reported = false;
    for (let step = 1; step <= decl.max_steps; step++) {
      if (ctx.signal.aborted) return;
      ctx.emit("agent_thinking", {
        reasoning: `Model turn ${step} of at most ${decl.max_steps}: asking ${truncate(decl.model, 80)}${step > 1 ? " with the tool results" : ""}.`,
        step_number: step,
      });
      const turnStarted = ctx.now();
      const report = (turn: TurnResult | null, errorCode: string | null) => {
        for (const o of this.#turnObservers) {
          o.onModelTurn({
            runId: ctx.runId,
            step,
            model: decl.model,
            startedAt: turnStarted,
            endedAt: ctx.now(),
            usage: turn?.usage ?? null,
            finishReason: turn?.finishReason ?? null,
            errorCode,
            content: turn?.content ?? "",
            toolCalls: turn?.toolCalls ?? [],
          });
        }
      };
      const turn = await runModelTurn({
        ctx,
        client,
        request: turnRequest(decl.model, messages, tools),
        timeoutMs: decl.timeout_ms,
        messageId: `${ctx.runId}:turn-${step}`,
        fallbackToolCallId: (index) => `${ctx.runId}:call-${step}-${index}`,
      }).catch((err: unknown) => {
        if (err instanceof AgentFailure && !ctx.signal.aborted) report(null, err.code);
        throw err;
      });
      if (!turn || ctx.signal.aborted) return;
      report(turn, null);
      if (turn.usage) {
        reported = true;
        usage.input_tokens += turn.usage.input_tokens;
        usage.output_tokens += turn.usage.output_tokens;
      }
      if (turn.toolCalls.length === 0) {
        ctx.emit("agent_completed", {
          status: "completed",
          final_response: turn.content,
          duration_ms: Math.round(ctx.now() - started),
          ...(reported ? { usage } : {}),
        });
        return;
      }
      messages.push({
        role: "assistant",
        content: turn.content || null,
        tool_calls: turn.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })),
      });
      for (const call of turn.toolCalls) {
        if (ctx.signal.aborted) return;
        messages.push(executeToolCall(ctx, call, decl.tools));
      }
    }
    throw new AgentFailure("AGENT_FAILED", `The agent reached max_steps (${decl.max_steps}) without answering.`);
  }

  /** The key from `api_key_env`, or the placeholder (with one warning per agent naming the variable). */
  #apiKey(): string {
    const key = apiKeyOf(this.#decl);
    if (key !== null) return key;
    if (!this.#warnedNoKey) {
      this.#warnedNoKey = true;
      this.#logger.warn(
        { agent: this.#decl.name, api_key_env: this.#decl.api_key_env },
        "the agent's api_key_env is not set: sending a placeholder key",
      );
    }
    return PLACEHOLDER_API_KEY;
  }
}
