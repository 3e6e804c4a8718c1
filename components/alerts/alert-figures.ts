import type { AlertInfo, AlertKind } from "@/contract/operator-api";
import { fmtInt, fmtMs, fmtPct } from "@/lib/format";

/** An alert's figure in its kind's unit: a rate as a percentage, a p99 in ms, a count as an integer. */
export function fmtAlertFigure(kind: AlertKind, n: number | null): string {
  if (n === null) return "–";
  if (kind === "pass_rate" || kind === "agent_error_rate") return fmtPct(n);
  if (kind === "agent_p99_ms") return fmtMs(n);
  if (kind === "degraded") return n > 1 ? "db + redis" : "down";
  return fmtInt(n);
}

/** "33.3% < 95.0%", "3 > 0", "down": the value against the rule's threshold. */
export function fmtAgainst(a: Pick<AlertInfo, "kind" | "value" | "threshold">): string {
  if (a.threshold === null) return fmtAlertFigure(a.kind, a.value);
  const op = a.kind === "pass_rate" ? "<" : ">";
  return `${fmtAlertFigure(a.kind, a.value)} ${op} ${fmtAlertFigure(a.kind, a.threshold)}`;
}
