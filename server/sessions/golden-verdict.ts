import { GOLDEN_PATH, type Verdict, VERDICT_REASONS, type VerdictReason } from "../../contract";
import type { SessionEventRecord } from "../store/records";

export interface VerdictInput {
  events: readonly SessionEventRecord[];
  /** Time from the session start to the end of the run (or to now while it runs). */
  endMs: number;
  ended: boolean;
  gapMs: number;
  isolationViolations: number;
  interrupted?: boolean;
}

const RANK: Record<string, number> = Object.fromEntries(GOLDEN_PATH.map((t, i) => [t, i]));

/**
 * The golden-path verdict of PROTOCOL.md: all five kinds in order, none missing, no gap over
 * GOLDEN_GAP_MS, every event delivered to each connection open when it was emitted, no isolation
 * violation. A pure function of the recording, shared by live sessions and replays.
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
  if (!agentError) {
    for (const kind of GOLDEN_PATH) if (!events.some((e) => e.type === kind)) flag("missing_event", `${kind} never arrived`);
  }
  const seqs = events.map((e) => e.seq).filter((s): s is number => s !== undefined);
  for (let i = 0, expected = 1; i < seqs.length; i++, expected++) {
    if (seqs[i]! > expected) {
      flag("missing_event", `seq ${expected}${seqs[i]! - 1 > expected ? `-${seqs[i]! - 1}` : ""} never arrived`);
      expected = seqs[i]!;
    }
  }

  // Order: no kind may come after a later kind; each tool_completed follows a tool_executing.
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
