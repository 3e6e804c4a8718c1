import type OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import type { Stream } from "openai/streaming";
import type { AgentRunContext } from "../agent-runner";
import { AgentFailure } from "../agent-failure";
import { failureOf, isConnectionError, timedOut } from "./agent-failure";
import { ChatChunkSchema } from "./chunk-schema";
import { IdleWatchdog } from "./idle-watchdog";
import { type AssembledToolCall, ToolCallAssembler } from "./tool-call-assembler";

/** Retries of a request that failed to connect (before its first event), within `timeout_ms`. */
export const MAX_CONNECT_RETRIES = 2;
/** The first retry's backoff; it doubles for the next. */
export const RETRY_BACKOFF_MS = 100;

/** What one model turn gave: its text, its tool calls (by index), why it finished, its token usage. */
export interface TurnResult {
  content: string;
  toolCalls: AssembledToolCall[];
  finishReason: string;
  usage: { input_tokens: number; output_tokens: number } | null;
}

/** One model turn's request and where its streamed text goes. */
export interface TurnOptions {
  ctx: AgentRunContext;
  client: OpenAI;
  request: ChatCompletionCreateParamsStreaming;
  timeoutMs: number;
  /** The `message_id` of this turn's `agent_response_chunk`s. */
  messageId: string;
  /** The id of a tool call the model sent without one. */
  fallbackToolCallId: (index: number) => string;
}

/**
 * Runs one model turn: opens the stream (retrying connection errors before the first event, at most
 * MAX_CONNECT_RETRIES times within timeout_ms), emits each content delta as one chunk, assembles the
 * tool calls. Resolves null when the run was stopped (the request is aborted at once); throws an
 * AgentFailure when the agent cannot be used.
 */
export async function runModelTurn(opts: TurnOptions): Promise<TurnResult | null> {
  const watchdog = new IdleWatchdog(opts.timeoutMs, opts.ctx.signal);
  try {
    const stream = await openStream(opts, watchdog);
    return stream ? await readStream(stream, opts, watchdog) : null;
  } finally {
    watchdog.dispose();
  }
}

/** After an abort: null when the run was stopped, else the timeout. */
function aborted(opts: TurnOptions, watchdog: IdleWatchdog): null {
  if (watchdog.timedOut && !opts.ctx.signal.aborted) throw timedOut(opts.timeoutMs);
  return null;
}

async function openStream(opts: TurnOptions, watchdog: IdleWatchdog): Promise<Stream<ChatCompletionChunk> | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { data, response } = await opts.client.chat.completions.create(opts.request, { signal: watchdog.signal }).withResponse();
      if (!(response.headers.get("content-type") ?? "").toLowerCase().includes("text/event-stream")) {
        data.controller.abort();
        throw new AgentFailure("AGENT_PROTOCOL_ERROR", `The agent answered HTTP ${response.status} without an event stream.`);
      }
      return data;
    } catch (err) {
      if (watchdog.signal.aborted) return aborted(opts, watchdog);
      const backoff = RETRY_BACKOFF_MS * 2 ** attempt;
      if (!isConnectionError(err) || attempt >= MAX_CONNECT_RETRIES || watchdog.remainingMs() <= backoff) {
        throw failureOf(err, "request", opts.timeoutMs);
      }
      opts.ctx.logger.info({ attempt: attempt + 1, backoff_ms: backoff }, "openai agent: connection failed, retrying");
      await watchdog.sleep(backoff);
      if (watchdog.signal.aborted) return aborted(opts, watchdog);
    }
  }
}

async function readStream(stream: Stream<ChatCompletionChunk>, opts: TurnOptions, watchdog: IdleWatchdog): Promise<TurnResult | null> {
  const assembler = new ToolCallAssembler();
  let content = "";
  let finishReason: string | null = null;
  let usage: TurnResult["usage"] = null;
  try {
    for await (const raw of stream) {
      watchdog.touch();
      const parsed = ChatChunkSchema.safeParse(raw);
      if (!parsed.success) throw new AgentFailure("AGENT_PROTOCOL_ERROR", "The agent sent an event that is not a chat.completion.chunk.");
      const chunk = parsed.data;
      // Usage may come with every chunk (cumulative) or once at the end: the turn's is the last one seen.
      if (chunk.usage) usage = { input_tokens: chunk.usage.prompt_tokens, output_tokens: chunk.usage.completion_tokens };
      for (const choice of chunk.choices) {
        if (choice.index !== 0) continue;
        const delta = choice.delta;
        if (delta?.content) {
          content += delta.content;
          opts.ctx.emit("agent_response_chunk", { message_id: opts.messageId, delta: delta.content });
        }
        for (const fragment of delta?.tool_calls ?? []) {
          if (!assembler.add(fragment))
            throw new AgentFailure("AGENT_PROTOCOL_ERROR", "The agent's tool calls passed Switchyard's bounds.");
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    }
  } catch (err) {
    if (err instanceof AgentFailure) throw err;
    if (watchdog.signal.aborted) return aborted(opts, watchdog);
    throw failureOf(err, "stream", opts.timeoutMs);
  }
  // The SDK ends the iteration quietly when its request is aborted.
  if (watchdog.signal.aborted) return aborted(opts, watchdog);
  if (finishReason === null) throw new AgentFailure("AGENT_STREAM_TRUNCATED", "The agent's stream ended before the turn finished.");
  return { content, toolCalls: assembler.calls(opts.fallbackToolCallId), finishReason, usage };
}
