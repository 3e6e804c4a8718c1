import {
  type BaseEvent,
  EventType,
  type RunErrorEvent,
  type RunFinishedEvent,
  type RunStartedEvent,
  type StepFinishedEvent,
  type StepStartedEvent,
  type TextMessageContentEvent,
  type TextMessageEndEvent,
  type TextMessageStartEvent,
  type TokenUsage,
  type ToolCallArgsEvent,
  type ToolCallEndEvent,
  type ToolCallResultEvent,
  type ToolCallStartEvent,
} from "@ag-ui/core";
import { isEventOf, type ServerEvent, type ServerEventPayloads } from "../../../contract";

/** The ids the client chose for its run (RUN_STARTED / RUN_FINISHED carry them back). */
export interface ClientRunIds {
  threadId: string;
  runId: string;
}

/**
 * Turns one run's events into AG-UI events (PROTOCOL.md "AG-UI"), keeping what AG-UI's ordering rules
 * need: RUN_STARTED first, one text message for the run's chunks (or its final_response), nothing open at
 * RUN_FINISHED / RUN_ERROR, nothing after them.
 *
 * - `agent_thinking` is a closed step, STEP_STARTED + STEP_FINISHED named after the reasoning (the
 *   stepName the external-agent side reads back as `agent_thinking`).
 * - A tool call id an agent chose (not already prefixed by the run id) is prefixed with the run id, so
 *   ids stay unique across the runs of one AG-UI thread; the result's messageId is `<toolCallId>:result`.
 * - The text message's id is `<run_id>:answer`; timestamps are the events' own, in integer ms.
 */
export class AgUiEventMapper {
  readonly #client: ClientRunIds;
  #started = false;
  #openText: string | null = null;
  #textSent = false;
  #ended = false;

  constructor(client: ClientRunIds) {
    this.#client = client;
  }

  /** True once RUN_FINISHED or RUN_ERROR has been produced: the stream is over. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The AG-UI events for one run event (none for types AG-UI has no use for, or after the end). */
  map(event: ServerEvent): BaseEvent[] {
    if (this.#ended || !event.run_id) return [];
    const runId = event.run_id;
    const timestamp = millis(event.timestamp);
    if (isEventOf(event, "agent_started")) return this.#start(timestamp);
    if (isEventOf(event, "agent_thinking")) return this.#thinking(event.payload, timestamp);
    if (isEventOf(event, "tool_executing")) return this.#toolCall(runId, event.payload, timestamp);
    if (isEventOf(event, "tool_completed")) return this.#toolResult(runId, event.payload, timestamp);
    if (isEventOf(event, "agent_response_chunk")) return this.#chunk(runId, event.payload.delta, timestamp);
    if (isEventOf(event, "agent_completed")) return this.#completed(runId, event.payload, timestamp);
    if (isEventOf(event, "agent_error")) {
      const { error_code, message } = event.payload;
      return this.fail(error_code, message, timestamp);
    }
    return [];
  }

  /** Ends the stream with RUN_ERROR (`agent_error`, or the server shutting down), closing what is open. */
  fail(code: string, message: string, timestamp = Date.now()): BaseEvent[] {
    if (this.#ended) return [];
    this.#ended = true;
    const error: RunErrorEvent = { type: EventType.RUN_ERROR, message, code, timestamp };
    return [...this.#closeText(timestamp), error];
  }

  #start(timestamp: number): BaseEvent[] {
    if (this.#started) return [];
    this.#started = true;
    const started: RunStartedEvent = { type: EventType.RUN_STARTED, threadId: this.#client.threadId, runId: this.#client.runId, timestamp };
    return [started];
  }

  #thinking({ reasoning, step_number }: ServerEventPayloads["agent_thinking"], timestamp: number): BaseEvent[] {
    const stepName = reasoning || `Step ${step_number}`;
    const started: StepStartedEvent = { type: EventType.STEP_STARTED, stepName, timestamp };
    const finished: StepFinishedEvent = { type: EventType.STEP_FINISHED, stepName, timestamp };
    return [...this.#start(timestamp), started, finished];
  }

  #toolCall(runId: string, p: ServerEventPayloads["tool_executing"], timestamp: number): BaseEvent[] {
    const toolCallId = toolCallIdOf(runId, p.tool_call_id);
    const start: ToolCallStartEvent = { type: EventType.TOOL_CALL_START, toolCallId, toolCallName: p.tool_name, timestamp };
    const args: ToolCallArgsEvent = { type: EventType.TOOL_CALL_ARGS, toolCallId, delta: JSON.stringify(p.parameters ?? {}), timestamp };
    const end: ToolCallEndEvent = { type: EventType.TOOL_CALL_END, toolCallId, timestamp };
    return [...this.#start(timestamp), start, args, end];
  }

  #toolResult(runId: string, p: ServerEventPayloads["tool_completed"], timestamp: number): BaseEvent[] {
    const toolCallId = toolCallIdOf(runId, p.tool_call_id);
    const result: ToolCallResultEvent = {
      type: EventType.TOOL_CALL_RESULT,
      messageId: `${toolCallId}:result`,
      toolCallId,
      role: "tool",
      content: JSON.stringify(p.results) ?? "null",
      timestamp,
    };
    return [...this.#start(timestamp), result];
  }

  #chunk(runId: string, delta: string, timestamp: number): BaseEvent[] {
    const out = [...this.#start(timestamp), ...this.#openTextMessage(runId, timestamp)];
    this.#textSent = true;
    const content: TextMessageContentEvent = { type: EventType.TEXT_MESSAGE_CONTENT, messageId: this.#openText!, delta, timestamp };
    return [...out, content];
  }

  #completed(runId: string, p: ServerEventPayloads["agent_completed"], timestamp: number): BaseEvent[] {
    const out = this.#start(timestamp);
    const cancelled = p.status === "cancelled";
    // A run that streamed nothing sends its answer as one text message.
    if (!cancelled && !this.#textSent && p.final_response !== "") out.push(...this.#chunk(runId, p.final_response, timestamp));
    out.push(...this.#closeText(timestamp));
    const finished: RunFinishedEvent = {
      type: EventType.RUN_FINISHED,
      threadId: this.#client.threadId,
      runId: this.#client.runId,
      timestamp,
    };
    if (cancelled) finished.outcome = { type: "cancelled" };
    const usage = tokenUsage(p.usage);
    if (usage) finished.usage = usage;
    this.#ended = true;
    return [...out, finished];
  }

  #openTextMessage(runId: string, timestamp: number): BaseEvent[] {
    if (this.#openText !== null) return [];
    this.#openText = `${runId}:answer`;
    const start: TextMessageStartEvent = { type: EventType.TEXT_MESSAGE_START, messageId: this.#openText, role: "assistant", timestamp };
    return [start];
  }

  #closeText(timestamp: number): BaseEvent[] {
    if (this.#openText === null) return [];
    const end: TextMessageEndEvent = { type: EventType.TEXT_MESSAGE_END, messageId: this.#openText, timestamp };
    this.#openText = null;
    return [end];
  }
}

/** A tool call id unique within the client's thread: the run's own ids already are; others get the run id. */
function toolCallIdOf(runId: string, id: string): string {
  return id.startsWith(runId) ? id : `${runId}:${id}`;
}

/** An event's ISO timestamp as integer epoch milliseconds (now, should it not parse). */
function millis(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.trunc(ms) : Date.now();
}

/** `agent_completed.usage` as AG-UI's per-model usage list (one entry; Switchyard keeps totals only). */
function tokenUsage(usage: ServerEventPayloads["agent_completed"]["usage"]): TokenUsage[] | undefined {
  if (!usage) return undefined;
  const { input_tokens: inputTokens, output_tokens: outputTokens } = usage;
  return [{ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }];
}
