import { type Attributes, type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import type { ModelTurnReport } from "../agent/openai/turn-observer";
import { epochMs, type DeliverRecord, type RouteRecord, type RunRecord, type ToolRecord } from "./run-record";
import * as A from "./semconv";

/** The golden-path verdict as the session recorder gave it; undefined when it never came. */
export type RunVerdict = { status: string; reasons: readonly string[] } | undefined;

/** The tool failure's `error.type` (the agent error code a failed tool leads to). */
const TOOL_FAILED = "TOOL_FAILED";

/**
 * Writes one run's trace with its real timestamps: the root `invoke_agent <agent>` span, and under it
 * `switchyard.route`, one `switchyard.deliver` per event type, one `execute_tool <tool>` per tool call
 * and one `chat <model>` per model turn. Content attributes exist only when `capture` is on (the
 * collector does not even keep content otherwise). Returns how many spans it ended.
 */
export function writeRunSpans(tracer: Tracer, rec: RunRecord, verdict: RunVerdict, capture: boolean): number {
  const end = endOf(rec);
  const root = tracer.startSpan(
    `${A.OPERATION_INVOKE_AGENT} ${rec.agentName}`,
    {
      kind: rec.agentKind === "builtin" ? SpanKind.INTERNAL : SpanKind.CLIENT,
      startTime: startOf(rec),
      attributes: rootAttributes(rec, verdict, capture),
    },
    ROOT_CONTEXT,
  );
  if (rec.errorCode) root.setStatus({ code: SpanStatusCode.ERROR, message: rec.errorCode });
  const parent = trace.setSpan(ROOT_CONTEXT, root);
  let spans = 1;
  if (rec.route.end !== null)
    spans += child(tracer, parent, "switchyard.route", rec.route.start ?? rec.route.end, rec.route.end, routeAttributes(rec.route));
  for (const d of rec.deliveries.values()) spans += child(tracer, parent, "switchyard.deliver", d.first, d.last, deliverAttributes(d));
  for (const t of rec.tools.values()) spans += toolSpan(tracer, parent, t, end, capture);
  for (const turn of rec.turns) spans += chatSpan(tracer, parent, turn, capture);
  root.end(end);
  return spans;
}

/** The root spans all of its children (their clocks may differ by a little: event times are sub-millisecond). */
function startOf(rec: RunRecord): number {
  let start = Math.min(rec.startedAt, rec.route.start ?? rec.startedAt);
  for (const d of rec.deliveries.values()) start = Math.min(start, d.first);
  for (const t of rec.tools.values()) start = Math.min(start, t.start);
  for (const turn of rec.turns) start = Math.min(start, turn.startedAt);
  return start;
}

function endOf(rec: RunRecord): number {
  let end = rec.endedAt ?? epochMs();
  for (const d of rec.deliveries.values()) end = Math.max(end, d.last);
  for (const t of rec.tools.values()) end = Math.max(end, t.end ?? t.start);
  for (const turn of rec.turns) end = Math.max(end, turn.endedAt);
  return Math.max(end, rec.route.end ?? end);
}

function child(
  tracer: Tracer,
  parent: Context,
  name: string,
  start: number,
  end: number,
  attributes: Attributes,
  kind = SpanKind.INTERNAL,
): 1 {
  tracer.startSpan(name, { kind, startTime: start, attributes }, parent).end(end);
  return 1;
}

function rootAttributes(rec: RunRecord, verdict: RunVerdict, capture: boolean): Attributes {
  const a: Attributes = {
    [A.GEN_AI_OPERATION_NAME]: A.OPERATION_INVOKE_AGENT,
    [A.GEN_AI_AGENT_NAME]: rec.agentName,
    [A.GEN_AI_AGENT_VERSION]: rec.agentVersion,
    [A.GEN_AI_CONVERSATION_ID]: rec.threadId,
    [A.USER_ID]: rec.userId,
    [A.SESSION_ID]: rec.runId,
    [A.SY_AGENT_KIND]: rec.agentKind,
    [A.SY_RUN_STATUS]: rec.status,
    [A.SY_VERDICT]: !verdict || verdict.status === "running" ? "pending" : verdict.status,
    [A.SY_VERDICT_REASONS]: verdict ? [...verdict.reasons] : [],
  };
  if (rec.agentKind === "openai") {
    a[A.GEN_AI_PROVIDER_NAME] = A.PROVIDER_OPENAI;
    if (rec.model) a[A.GEN_AI_REQUEST_MODEL] = rec.model;
  }
  const usage = rec.usage ?? usageOfTurns(rec.turns);
  if (usage) {
    a[A.GEN_AI_USAGE_INPUT_TOKENS] = usage.input_tokens;
    a[A.GEN_AI_USAGE_OUTPUT_TOKENS] = usage.output_tokens;
  }
  if (rec.errorCode) a[A.ERROR_TYPE] = rec.errorCode;
  if (capture && rec.input !== undefined) a[A.GEN_AI_INPUT_MESSAGES] = JSON.stringify([textMessage("user", rec.input)]);
  if (capture && rec.output !== undefined) {
    a[A.GEN_AI_OUTPUT_MESSAGES] = JSON.stringify([{ ...textMessage("assistant", rec.output), finish_reason: "stop" }]);
  }
  return a;
}

function usageOfTurns(turns: readonly ModelTurnReport[]): RunRecord["usage"] {
  let usage: RunRecord["usage"] = null;
  for (const t of turns) {
    if (!t.usage) continue;
    usage ??= { input_tokens: 0, output_tokens: 0 };
    usage.input_tokens += t.usage.input_tokens;
    usage.output_tokens += t.usage.output_tokens;
  }
  return usage;
}

function textMessage(role: "user" | "assistant", content: string) {
  return { role, parts: [{ type: "text", content }] };
}

function routeAttributes(route: RouteRecord): Attributes {
  return { [A.SY_MESSAGE_TYPE]: route.messageType, ...(route.handler ? { [A.SY_HANDLER]: route.handler } : {}) };
}

function deliverAttributes(d: DeliverRecord): Attributes {
  return {
    [A.SY_EVENT_TYPE]: d.type,
    [A.SY_DELIVER_EVENTS]: d.events,
    [A.SY_DELIVER_CONNECTIONS]: d.maxConnections,
    [A.SY_DELIVER_WRITES]: d.writes,
    [A.SY_ISOLATION_CHECK]: d.violations === 0 ? "passed" : "refused",
    [A.SY_ISOLATION_VIOLATIONS]: d.violations,
  };
}

function toolSpan(tracer: Tracer, parent: Context, t: ToolRecord, runEnd: number, capture: boolean): 1 {
  const span: Span = tracer.startSpan(
    `${A.OPERATION_EXECUTE_TOOL} ${t.name}`,
    {
      kind: SpanKind.INTERNAL,
      startTime: t.start,
      attributes: {
        [A.GEN_AI_OPERATION_NAME]: A.OPERATION_EXECUTE_TOOL,
        [A.GEN_AI_TOOL_NAME]: t.name,
        [A.GEN_AI_TOOL_CALL_ID]: t.callId,
        [A.GEN_AI_TOOL_TYPE]: "function",
      },
    },
    parent,
  );
  if (t.success === false) {
    span.setAttribute(A.ERROR_TYPE, TOOL_FAILED);
    span.setStatus({ code: SpanStatusCode.ERROR, message: TOOL_FAILED });
  }
  if (capture && t.args !== undefined) span.setAttribute(A.GEN_AI_TOOL_CALL_ARGUMENTS, JSON.stringify(t.args));
  if (capture && t.result !== undefined) span.setAttribute(A.GEN_AI_TOOL_CALL_RESULT, JSON.stringify(t.result));
  span.end(t.end ?? runEnd);
  return 1;
}

function chatSpan(tracer: Tracer, parent: Context, turn: ModelTurnReport, capture: boolean): 1 {
  const a: Attributes = {
    [A.GEN_AI_OPERATION_NAME]: A.OPERATION_CHAT,
    [A.GEN_AI_PROVIDER_NAME]: A.PROVIDER_OPENAI,
    [A.GEN_AI_REQUEST_MODEL]: turn.model,
  };
  if (turn.usage) {
    a[A.GEN_AI_USAGE_INPUT_TOKENS] = turn.usage.input_tokens;
    a[A.GEN_AI_USAGE_OUTPUT_TOKENS] = turn.usage.output_tokens;
  }
  if (turn.finishReason) a[A.GEN_AI_RESPONSE_FINISH_REASONS] = [turn.finishReason];
  if (turn.errorCode) a[A.ERROR_TYPE] = turn.errorCode;
  if (capture && !turn.errorCode) {
    const parts: unknown[] = turn.content ? [{ type: "text", content: turn.content }] : [];
    for (const c of turn.toolCalls) parts.push({ type: "tool_call", id: c.id, name: c.name, arguments: c.arguments });
    a[A.GEN_AI_OUTPUT_MESSAGES] = JSON.stringify([{ role: "assistant", parts, finish_reason: turn.finishReason ?? "" }]);
  }
  const span = tracer.startSpan(
    `${A.OPERATION_CHAT} ${turn.model}`,
    { kind: SpanKind.CLIENT, startTime: turn.startedAt, attributes: a },
    parent,
  );
  if (turn.errorCode) span.setStatus({ code: SpanStatusCode.ERROR, message: turn.errorCode });
  span.end(turn.endedAt);
  return 1;
}
