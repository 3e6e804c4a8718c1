import { GOLDEN_PATH } from "./run-events";
import { type SessionEvent as SessionEventRecord, type Verdict, VERDICT_REASONS, type VerdictReason } from "./sessions";

export interface VerdictInput {
  events: readonly SessionEventRecord[];
  /** Time from the session start to the end of the run (or to now while it runs). */
  endMs: number;
  ended: boolean;
  gapMs: number;
  isolationViolations: number;
  interrupted?: boolean;
  /** Strict runs need the five kinds in order; others only start, answered tool calls, end (default strict). */
  strict?: boolean;
}

type Flag = (reason: VerdictReason, detail: string) => void;

/** The kinds a run must have: all five when strict, else its start and its end. */
const REQUIRED_RELAXED = ["agent_started", "agent_completed"] as const;

const RANK: Record<string, number> = Object.fromEntries(GOLDEN_PATH.map((t, i) => [t, i]));

/**
 * The golden-path verdict of PROTOCOL.md: all five kinds in order (strict), or, for agents that are not
 * strict, `agent_started` first, `agent_completed` last and every tool call answered; none missing, no
 * gap over the agent's gap, every event delivered to each connection open when it was emitted, no
 * isolation violation. A pure function of the recording, shared by live sessions, replays and the
 * typed client (which judges a run as it arrives).
 */
export function judgeGoldenPath(input: VerdictInput): Verdict & { details: string[] } {
  const reasons = new Set<VerdictReason>();
  const details: string[] = [];
  const flag = (reason: VerdictReason, detail: string) => {
    reasons.add(reason);
    details.push(detail);
  };
  const { events } = input;

  const agentError = events.find((e) => e.type === "agent_error");
  if (agentError) flag("agent_error", `agent_error ${String(agentError.payload.error_code ?? "")} at seq ${agentError.seq ?? "?"}`.trim());

  // Missing: a kind never seen, or a seq skipped (a dropped event leaves a hole in the numbering).
  const strict = input.strict ?? true;
  if (!agentError) {
    for (const kind of strict ? GOLDEN_PATH : REQUIRED_RELAXED) {
      if (!events.some((e) => e.type === kind)) flag("missing_event", `${kind} never arrived`);
    }
  }
  const seqs = events.map((e) => e.seq).filter((s): s is number => s !== undefined);
  for (let i = 0, expected = 1; i < seqs.length; i++, expected++) {
    if (seqs[i]! > expected) {
      flag("missing_event", `seq ${expected}${seqs[i]! - 1 > expected ? `-${seqs[i]! - 1}` : ""} never arrived`);
      expected = seqs[i]!;
    }
  }

  if (strict) checkStrictOrder(events, flag);
  else checkRelaxedOrder(events, flag, agentError !== undefined);

  // Gaps between consecutive events, from the start, and (while silent) after the last one.
  let previous = 0;
  for (const e of events) {
    if (e.emitted_at_ms - previous > input.gapMs) flag("gap", `${Math.round(e.emitted_at_ms - previous)} ms before ${e.type}`);
    previous = e.emitted_at_ms;
  }
  if (!input.ended && input.endMs - previous > input.gapMs)
    flag("gap", `nothing for ${Math.round(input.endMs - previous)} ms after the last event`);

  for (const e of events) {
    const missed =
      e.deliveries.length === 0
        ? ["no open connection"]
        : e.deliveries.filter((d) => !d.delivered && !d.recovered).map((d) => d.connection_id);
    if (missed.length) flag("undelivered", `${e.type} (seq ${e.seq ?? "?"}) not delivered: ${missed.join(", ")}`);
  }
  if (input.isolationViolations > 0) flag("isolation_violation", `${input.isolationViolations} isolation violation(s)`);
  if (input.interrupted) flag("interrupted", "the server stopped before the run ended");

  return { passed: reasons.size === 0, reasons: VERDICT_REASONS.filter((r) => reasons.has(r)), details };
}

/** Strict order: no kind after a later kind (thinking may repeat between tools); each tool_completed after its tool_executing. */
function checkStrictOrder(events: readonly SessionEventRecord[], flag: Flag): void {
  let highest = -1;
  let openTools = 0;
  let orphanCompletions = 0;
  let lastSeq = 0;
  for (const e of events) {
    const rank = RANK[e.type];
    if (e.seq !== undefined) {
      if (e.seq <= lastSeq) flag("out_of_order", `${e.type} seq ${e.seq} after seq ${lastSeq}`);
      lastSeq = Math.max(lastSeq, e.seq);
    }
    if (rank === undefined) continue;
    const thinkingBetweenTools = e.type === "agent_thinking" && highest >= RANK.tool_completed! && highest < RANK.agent_completed!;
    const nextTool = e.type === "tool_executing" && highest === RANK.tool_completed;
    if (rank < highest && !thinkingBetweenTools && !nextTool)
      flag("out_of_order", `${e.type} (seq ${e.seq ?? "?"}) arrived after a later stage`);
    // A tool_completed with no tool_executing before it is out of order only if the executing event
    // turns up later; if it never arrives it is a missing event, reported as such.
    if (e.type === "tool_executing") {
      if (orphanCompletions > 0) flag("out_of_order", `tool_executing (seq ${e.seq ?? "?"}) arrived after its tool_completed`);
      else openTools++;
    }
    if (e.type === "tool_completed") {
      if (openTools > 0) openTools--;
      else orphanCompletions++;
    }
    highest = Math.max(highest, rank);
  }
}

/**
 * Relaxed order (agents that are not strict): `agent_started` before any other event, nothing after
 * `agent_completed`, and every `tool_executing` answered by a `tool_completed` with the same
 * `tool_call_id` before the end (else `unpaired_tool_call`). Seq order is checked as for every run.
 */
function checkRelaxedOrder(events: readonly SessionEventRecord[], flag: Flag, failed: boolean): void {
  let lastSeq = 0;
  let started = false;
  let completed = false;
  const open = new Map<string, string>();
  for (const e of events) {
    if (e.seq !== undefined) {
      if (e.seq <= lastSeq) flag("out_of_order", `${e.type} seq ${e.seq} after seq ${lastSeq}`);
      lastSeq = Math.max(lastSeq, e.seq);
    }
    if (completed) flag("out_of_order", `${e.type} (seq ${e.seq ?? "?"}) arrived after agent_completed`);
    if (e.type === "agent_started") {
      if (started) flag("out_of_order", `a second agent_started (seq ${e.seq ?? "?"})`);
      started = true;
      continue;
    }
    if (!started && e.type !== "agent_error") flag("out_of_order", `${e.type} (seq ${e.seq ?? "?"}) arrived before agent_started`);
    const callId = typeof e.payload.tool_call_id === "string" ? e.payload.tool_call_id : "";
    if (e.type === "tool_executing") open.set(callId, String(e.payload.tool_name ?? "tool"));
    else if (e.type === "tool_completed") {
      if (!open.delete(callId)) flag("unpaired_tool_call", `tool_completed ${callId} (seq ${e.seq ?? "?"}) answers no tool_executing`);
    } else if (e.type === "agent_completed") completed = true;
  }
  if (!failed) for (const [callId, name] of open) flag("unpaired_tool_call", `tool call ${callId} (${name}) was never answered`);
}
