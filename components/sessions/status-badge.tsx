import type { SessionStatus, VerdictReason } from "@/contract/sessions";

const CLS: Record<SessionStatus, string> = { passed: "ok", failed: "err", running: "accent", cancelled: "warn" };

export function StatusBadge({ status, testId = "session-status" }: { status: SessionStatus; testId?: string }) {
  return (
    <span className={`badge ${CLS[status]}`} data-testid={testId} data-status={status}>
      {status === "running" ? "● " : null}
      {status}
    </span>
  );
}

/** Reasons that describe timing rather than a broken run. */
export const reasonClass = (r: VerdictReason): "warn" | "err" => (r === "gap" || r === "interrupted" ? "warn" : "err");

/** What each verdict reason means, for tooltips and the verdict banner. */
export const REASON_TEXT: Record<VerdictReason, string> = {
  missing_event: "a golden-path event never arrived",
  out_of_order: "events arrived out of order",
  gap: "too long between two events",
  agent_error: "the run ended with agent_error",
  undelivered: "an event was not written to an open connection",
  isolation_violation: "an event was addressed to another user",
  interrupted: "the server stopped before the run ended",
  unpaired_tool_call: "a tool_executing was never answered by a tool_completed with the same tool_call_id",
};

/** Verdict reasons as chips: the code visible, its meaning on hover. */
export function ReasonChips({ reasons, testId = "session-reasons" }: { reasons: readonly VerdictReason[]; testId?: string }) {
  if (reasons.length === 0) return <span className="faint" data-testid={testId} />;
  return (
    <span className="chips" data-testid={testId}>
      {reasons.map((r) => (
        <span key={r} className={`chip ${reasonClass(r)}`} title={REASON_TEXT[r]}>
          {r}
        </span>
      ))}
    </span>
  );
}
