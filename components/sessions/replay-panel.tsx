"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorState, Loading } from "@/components/ui/states";
import { SwitchyardError } from "@/contract/errors";
import { REPLAY_AGENT_MODES, type ReplayAgentMode, type ReplayFaults, type ReplayResult, type Verdict } from "@/contract/sessions";
import { api } from "@/lib/api";
import { fmtDateTime } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { ReasonChips } from "./status-badge";
import { ReplayDiffView } from "./replay-diff";

function VerdictLine({ v }: { v: Verdict }) {
  return (
    <span className="filters" title={v.details?.join("\n") || undefined}>
      <span className={`badge ${v.passed ? "ok" : "err"}`} data-testid="replay-verdict" data-passed={v.passed}>
        {v.passed ? "passed" : "failed"}
      </span>
      <ReasonChips reasons={v.reasons} testId="replay-reasons" />
    </span>
  );
}

/** Which agent ran the replay, and whether it is the version that ran the recording. */
function AgentNote({ agent }: { agent: ReplayResult["agent"] }) {
  if (!agent) return null;
  const changed = agent.version !== agent.recorded_version;
  return (
    <>
      <span className={`badge ${changed ? "warn" : "outline"}`} title={`recorded with ${agent.name} ${agent.recorded_version}`}>
        {agent.name} {agent.version}
        {changed ? ` (recorded ${agent.recorded_version})` : ""}
      </span>
      {agent.mode ? (
        <span
          className="badge outline"
          data-testid="replay-agent-mode"
          title={agent.mode === "recorded" ? "the recorded agent events were fed back, no network" : "the agent ran again"}
        >
          agent: {agent.mode}
        </span>
      ) : null}
    </>
  );
}

/** Re-runs a recorded session through the agent and shows how the replay differs from the recording. */
export function ReplayPanel({ sessionId, running, external }: { sessionId: string; running: boolean; external: boolean }) {
  const qc = useQueryClient();
  const [shown, setShown] = useState<ReplayResult | null>(null);
  // External agents replay their recorded events by default (deterministic, no network); built-ins always run live.
  const [agentMode, setAgentMode] = useState<ReplayAgentMode>("recorded");
  const history = useQuery({ queryKey: queryKeys.replays(sessionId), queryFn: () => api.replays(sessionId) });
  const replay = useMutation({
    mutationFn: (faults: ReplayFaults) => api.replay(sessionId, faults, external ? agentMode : undefined),
    onSuccess: (r) => {
      setShown(r);
      void qc.invalidateQueries({ queryKey: queryKeys.replays(sessionId) });
    },
  });
  const items = history.data ?? [];

  return (
    <section className="panel" data-testid="replay-panel">
      <div className="panel-head">
        <h2>Replay</h2>
        <div className="filters">
          {external ? (
            <label title="recorded: feed the recorded agent events back, no network · live: call the agent again">
              agent
              <select
                className="select"
                style={{ height: 24, fontSize: 12 }}
                data-testid="replay-agent-mode-select"
                value={agentMode}
                onChange={(e) => setAgentMode(REPLAY_AGENT_MODES.find((m) => m === e.target.value) ?? "recorded")}
              >
                {REPLAY_AGENT_MODES.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
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
            Replaying {replay.variables === "none" ? "without faults" : "with the recorded faults"}…{" "}
            {external && agentMode === "recorded"
              ? "the recorded agent events are fed back through the router."
              : "the agent runs again, so this takes as long as the run did."}
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
              <span className="badge outline">faults: {shown.faults}</span>
              <AgentNote agent={shown.agent} />
            </span>
            <VerdictLine v={shown.verdict} />
          </div>
          <ReplayDiffView diff={shown.diff} />
        </div>
      ) : null}
      <div className="panel-head" style={{ borderTop: "1px solid var(--border)" }}>
        <h3>History</h3>
        <span className="hint">earlier replays of this session</span>
      </div>
      {history.isPending ? (
        <Loading compact />
      ) : history.isError && history.error instanceof SwitchyardError && history.error.status === 404 ? (
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
                  <span className="badge outline">faults: {r.faults}</span>
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
