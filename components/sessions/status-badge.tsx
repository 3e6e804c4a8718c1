import { reasonParts, type SessionStatus, type VerdictReason } from "@/lib/api";

const CLS: Record<string, string> = { passed: "ok", failed: "err", running: "accent", cancelled: "warn" };

export function StatusBadge({ status, testId = "session-status" }: { status: SessionStatus; testId?: string }) {
  return (
    <span className={`badge ${CLS[status] ?? ""}`} data-testid={testId} data-status={status}>
      {status === "running" ? "● " : null}
      {status}
    </span>
  );
}

/** Verdict reasons as chips: the code visible, the detail on hover. */
export function ReasonChips({ reasons, testId = "session-reasons" }: { reasons: readonly VerdictReason[]; testId?: string }) {
  if (reasons.length === 0) return <span className="faint" data-testid={testId} />;
  return (
    <span className="chips" data-testid={testId}>
      {reasons.map((r, i) => {
        const { code, detail } = reasonParts(r);
        return (
          <span key={i} className={`chip ${code === "gap" || code === "interrupted" ? "warn" : "err"}`} title={detail ?? undefined}>
            {code}
            {detail ? (
              <span className="faint" style={{ marginLeft: 4 }}>
                {detail.length > 28 ? `${detail.slice(0, 27)}…` : detail}
              </span>
            ) : null}
          </span>
        );
      })}
    </span>
  );
}
