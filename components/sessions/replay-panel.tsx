"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorState, Loading } from "@/components/ui/states";
import { ApiError, api, type ReplayDiff, type ReplayFaults, type Verdict } from "@/lib/api";
import { fmtDateTime } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { ReasonChips } from "./status-badge";
import { ReplayDiffView } from "./replay-diff";

interface ReplayView {
  replay_id: string;
  faults: string | null;
  created_at: string | number | null;
  verdict: Verdict | null;
  diff: ReplayDiff | null;
}

/** History rows may be API-shaped or record-shaped; read either. */
function normalize(x: unknown): ReplayView | null {
  if (!x || typeof x !== "object") return null;
  const o = x as Record<string, unknown>;
  const id = o.replay_id ?? o.id;
  if (typeof id !== "string") return null;
  const verdict =
    o.verdict && typeof o.verdict === "object"
      ? (o.verdict as Verdict)
      : typeof o.passed === "boolean"
        ? { passed: o.passed, reasons: Array.isArray(o.reasons) ? (o.reasons as string[]) : [] }
        : null;
  const diff = o.diff && typeof o.diff === "object" && Array.isArray((o.diff as ReplayDiff).entries) ? (o.diff as ReplayDiff) : null;
  const created = o.created_at ?? o.createdAt ?? null;
  return {
    replay_id: id,
    faults: typeof o.faults === "string" ? o.faults : null,
    created_at: typeof created === "string" || typeof created === "number" ? created : null,
    verdict,
    diff,
  };
}

function VerdictLine({ v }: { v: Verdict | null }) {
  if (!v) return <span className="faint">no verdict</span>;
  return (
    <span className="filters">
      <span className={`badge ${v.passed ? "ok" : "err"}`} data-testid="replay-verdict" data-passed={v.passed}>
        {v.passed ? "passed" : "failed"}
      </span>
      <ReasonChips reasons={v.reasons} testId="replay-reasons" />
    </span>
  );
}

/** Re-runs a recorded session through the agent and shows how the replay differs from the recording. */
export function ReplayPanel({ sessionId, running }: { sessionId: string; running: boolean }) {
  const qc = useQueryClient();
  const [shown, setShown] = useState<ReplayView | null>(null);
  const history = useQuery({ queryKey: queryKeys.replays(sessionId), queryFn: () => api.replays(sessionId) });
  const replay = useMutation({
    mutationFn: (faults: ReplayFaults) => api.replay(sessionId, faults),
    onSuccess: (r, faults) => {
      setShown({ replay_id: r.replay_id, faults, created_at: Date.now(), verdict: r.verdict, diff: r.diff });
      void qc.invalidateQueries({ queryKey: queryKeys.replays(sessionId) });
    },
  });
  const items = (history.data ?? []).map(normalize).filter((x): x is ReplayView => x !== null);

  return (
    <section className="panel" data-testid="replay-panel">
      <div className="panel-head">
        <h2>Replay</h2>
        <div className="filters">
          <button
            type="button"
            className="btn primary small"
            data-testid="replay-recorded"
            disabled={replay.isPending || running}
            onClick={() => replay.mutate("recorded")}
          >
            Replay with recorded faults
          </button>
          <button
            type="button"
            className="btn small"
            data-testid="replay-none"
            disabled={replay.isPending || running}
            onClick={() => replay.mutate("none")}
          >
            Replay without faults
          </button>
        </div>
      </div>
      {replay.isPending ? (
        <div style={{ padding: "10px 12px" }} data-testid="replay-progress">
          <div className="progress" />
          <div className="toolbar-note" style={{ marginTop: 6 }}>
            Replaying {replay.variables === "none" ? "without faults" : "with the recorded faults"}… the agent runs again, so this takes as
            long as the run did.
          </div>
        </div>
      ) : null}
      {running ? <div className="state compact">A running session can be replayed once it has a verdict.</div> : null}
      {replay.isError ? <ErrorState compact error={replay.error} /> : null}
      {shown ? (
        <div data-testid="replay-result">
          <div className="panel-head" style={{ borderTop: "1px solid var(--border)" }}>
            <span className="filters">
              <span className="mono muted">{shown.replay_id}</span>
              <span className="badge outline">faults: {shown.faults ?? "?"}</span>
            </span>
            <VerdictLine v={shown.verdict} />
          </div>
          {shown.diff ? <ReplayDiffView diff={shown.diff} /> : <div className="state compact">This replay has no stored diff.</div>}
        </div>
      ) : null}
      <div className="panel-head" style={{ borderTop: "1px solid var(--border)" }}>
        <h3>History</h3>
        <span className="hint">earlier replays of this session</span>
      </div>
      {history.isPending ? (
        <Loading compact />
      ) : history.isError && history.error instanceof ApiError && history.error.status === 404 ? (
        <div className="state compact" data-testid="replay-unavailable">
          This server does not offer replays yet.
        </div>
      ) : history.isError ? (
        <ErrorState compact error={history.error} retry={() => void history.refetch()} />
      ) : items.length === 0 ? (
        <div className="state compact" data-testid="replay-history-empty">
          Not replayed yet.
        </div>
      ) : (
        <table className="table" data-testid="replay-history">
          <tbody>
            {items.map((r) => (
              <tr
                key={r.replay_id}
                className={`clickable${shown?.replay_id === r.replay_id ? " selected" : ""}`}
                data-testid="replay-history-row"
                onClick={() => setShown(r)}
              >
                <td className="mono muted">{r.replay_id}</td>
                <td>
                  <span className="badge outline">faults: {r.faults ?? "?"}</span>
                </td>
                <td>
                  <VerdictLine v={r.verdict} />
                </td>
                <td className="muted nowrap">{fmtDateTime(r.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
