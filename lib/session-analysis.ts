import { GOLDEN_PATH, type GoldenType } from "@/contract/run-events";
import type { SessionDetail, SessionEvent, VerdictReason } from "@/contract/sessions";

/** The server's default GOLDEN_GAP_MS; the real value is not exposed, so a `gap` reason also marks the widest gap. */
export const DEFAULT_GAP_MS = 15_000;

export interface Gap {
  from_ms: number;
  to_ms: number;
  /** Index in the sorted events of the event after the gap. */
  before: number;
}

export interface GoldenStep {
  type: GoldenType;
  first: SessionEvent | null;
  count: number;
  /** Not required by this run's verdict: thinking and tools are optional for agents that are not strict. */
  optional: boolean;
}

/** The streamed answer of a run: its `agent_response_chunk` events in seq order and their deltas joined. */
export interface StreamedResponse {
  chunks: SessionEvent[];
  text: string;
  message_ids: string[];
  first_ms: number;
  last_ms: number;
  /** Chunks whose delta was not a string (shown, never joined). */
  malformed: number;
}

/** One tool call: its `tool_executing` and the `tool_completed` with the same `tool_call_id`, when there is one. */
export interface ToolCall {
  id: string;
  name: string;
  parameters: unknown;
  executing: SessionEvent | null;
  completed: SessionEvent | null;
  success: boolean | null;
  results: unknown;
  duration_ms: number | null;
}

/** How the run ended, read from its terminal event. */
export interface RunOutcome {
  error: { code: string; message: string; at_ms: number } | null;
  final_response: string | null;
  usage: { input_tokens: number; output_tokens: number } | null;
}

export const CHUNK_TYPE = "agent_response_chunk";

/** Thinking and tools: required by the five-kind rule of strict agents only. */
const OPTIONAL_WHEN_LENIENT: ReadonlySet<GoldenType> = new Set(["agent_thinking", "tool_executing", "tool_completed"]);

export interface SessionAnalysis {
  events: SessionEvent[];
  connections: string[];
  span_ms: number;
  gaps: Gap[];
  missingSeq: number[];
  golden: GoldenStep[];
  stream: StreamedResponse | null;
  tools: ToolCall[];
  outcome: RunOutcome;
  undelivered: number;
  recovered: number;
  reasonCodes: ReadonlySet<VerdictReason>;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function streamOf(events: readonly SessionEvent[]): StreamedResponse | null {
  const chunks = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.type === CHUNK_TYPE)
    // seq order (the order the run sent them); emission order where seq is missing.
    .sort((x, y) => (x.e.seq ?? Infinity) - (y.e.seq ?? Infinity) || x.i - y.i)
    .map(({ e }) => e);
  if (chunks.length === 0) return null;
  const ids: string[] = [];
  let malformed = 0;
  let text = "";
  for (const c of chunks) {
    const delta = str(c.payload.delta);
    if (delta === null) malformed++;
    else text += delta;
    const id = str(c.payload.message_id);
    if (id !== null && !ids.includes(id)) ids.push(id);
  }
  const times = chunks.map((c) => c.emitted_at_ms);
  return { chunks, text, message_ids: ids, first_ms: Math.min(...times), last_ms: Math.max(...times), malformed };
}

function toolCallsOf(events: readonly SessionEvent[]): ToolCall[] {
  const calls: ToolCall[] = [];
  const byId = new Map<string, ToolCall>();
  for (const e of events) {
    if (e.type !== "tool_executing" && e.type !== "tool_completed") continue;
    const id = str(e.payload.tool_call_id) ?? `#${calls.length + 1}`;
    let call = byId.get(id);
    if (!call) {
      call = {
        id,
        name: str(e.payload.tool_name) ?? "?",
        parameters: undefined,
        executing: null,
        completed: null,
        success: null,
        results: undefined,
        duration_ms: null,
      };
      byId.set(id, call);
      calls.push(call);
    }
    if (e.type === "tool_executing") {
      call.executing = e;
      call.parameters = e.payload.parameters;
    } else {
      call.completed = e;
      call.results = e.payload.results;
      call.success = typeof e.payload.success === "boolean" ? e.payload.success : null;
      call.duration_ms = num(e.payload.duration_ms);
    }
  }
  return calls;
}

function outcomeOf(events: readonly SessionEvent[]): RunOutcome {
  const err = events.find((e) => e.type === "agent_error");
  const done = events.find((e) => e.type === "agent_completed");
  const u = done?.payload.usage;
  const usage =
    typeof u === "object" && u !== null && "input_tokens" in u && "output_tokens" in u
      ? { input_tokens: num(u.input_tokens) ?? 0, output_tokens: num(u.output_tokens) ?? 0 }
      : null;
  return {
    error: err
      ? { code: str(err.payload.error_code) ?? "AGENT_FAILED", message: str(err.payload.message) ?? "", at_ms: err.emitted_at_ms }
      : null,
    final_response: done ? str(done.payload.final_response) : null,
    usage,
  };
}

/**
 * Everything the session page shows, derived once from the session detail. `strict` is whether the
 * run's agent keeps the five-kind rule (built-ins by default); otherwise thinking and tools are optional.
 */
export function analyseSession(s: SessionDetail, strict = s.agent_kind === "builtin"): SessionAnalysis {
  const events = [...s.events].sort((a, b) => a.emitted_at_ms - b.emitted_at_ms);
  const connections: string[] = [];
  const seen = new Set<string>();
  let undelivered = 0;
  let recovered = 0;
  for (const e of events) {
    for (const d of e.deliveries) {
      if (!seen.has(d.connection_id)) {
        seen.add(d.connection_id);
        connections.push(d.connection_id);
      }
      if (!d.delivered) undelivered++;
      if (d.recovered) recovered++;
    }
  }
  const reasonCodes = new Set(s.verdict.reasons);

  const gaps: Gap[] = [];
  let widest: Gap | null = null;
  // Like the server's verdict, the first gap is measured from the session start.
  for (let i = 0; i < events.length; i++) {
    const b = events[i];
    if (!b) continue;
    const from = i === 0 ? 0 : (events[i - 1]?.emitted_at_ms ?? 0);
    const g = { from_ms: from, to_ms: b.emitted_at_ms, before: i };
    if (g.to_ms - g.from_ms > DEFAULT_GAP_MS) gaps.push(g);
    if (!widest || g.to_ms - g.from_ms > widest.to_ms - widest.from_ms) widest = g;
  }
  if (gaps.length === 0 && reasonCodes.has("gap") && widest) gaps.push(widest);

  const seqs = events.map((e) => e.seq).filter((n): n is number => typeof n === "number");
  const missingSeq: number[] = [];
  if (seqs.length > 0) {
    const have = new Set(seqs);
    const max = Math.max(...seqs);
    for (let n = 1; n < max; n++) if (!have.has(n)) missingSeq.push(n);
  }

  const golden = GOLDEN_PATH.map((type) => {
    const list = events.filter((e) => e.type === type);
    return { type, first: list[0] ?? null, count: list.length, optional: !strict && OPTIONAL_WHEN_LENIENT.has(type) };
  });

  const lastInbound = Math.max(0, ...s.inbound.map((m) => m.at_ms));
  const lastEvent = Math.max(0, ...events.map((e) => e.emitted_at_ms));
  const span_ms = Math.max(lastInbound, lastEvent, s.duration_ms ?? 0, 1);
  return {
    events,
    connections,
    span_ms,
    gaps,
    missingSeq,
    golden,
    stream: streamOf(events),
    tools: toolCallsOf(events),
    outcome: outcomeOf(events),
    undelivered,
    recovered,
    reasonCodes,
  };
}

/** Round tick steps for an axis of `span` ms. */
export function ticks(span: number, target = 6): number[] {
  const raw = span / target;
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t <= span + 1e-9; t += step) out.push(t);
  return out;
}
