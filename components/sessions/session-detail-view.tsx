"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo } from "react";
import { AgentKindBadge } from "@/components/agents/agent-kind-badge";
import { PageHead } from "@/components/ui/page-head";
import { ErrorState, Loading } from "@/components/ui/states";
import { SwitchyardError } from "@/contract/errors";
import { VERDICT_REASONS, type SessionDetail } from "@/contract/sessions";
import { api } from "@/lib/api";
import { fmtDateTime, fmtSpan } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { analyseSession, CHUNK_TYPE, type SessionAnalysis } from "@/lib/session-analysis";
import { eventColor } from "./event-colors";
import { ReplayPanel } from "./replay-panel";
import { SessionEvents, SessionInboundTable } from "./session-events";
import { SessionResponse } from "./session-response";
import { SessionToolCalls } from "./session-tools";
import { SessionTimeline } from "./session-timeline";
import { REASON_TEXT, reasonClass, StatusBadge } from "./status-badge";

export function SessionDetailView({ id }: { id: string }) {
  const q = useQuery({
    queryKey: queryKeys.session(id),
    queryFn: () => api.session(id),
    // A running session keeps changing; a judged one is final.
    refetchInterval: (query) => (query.state.data?.status === "running" ? 1_000 : false),
  });
  // Whether the run's agent is strict decides which golden steps are required; built-ins are by default.
  const agents = useQuery({ queryKey: queryKeys.agents(), queryFn: api.agents, staleTime: 60_000 });
  const strict = q.data ? (agents.data?.find((x) => x.name === q.data.agent_name)?.strict ?? q.data.agent_kind === "builtin") : true;
  const a = useMemo(() => (q.data ? analyseSession(q.data, strict) : null), [q.data, strict]);

  if (q.isPending) return <Loading label="Loading session…" />;
  if (!q.data) {
    const notFound = q.error instanceof SwitchyardError && q.error.status === 404;
    return (
      <div className="stack">
        <PageHead title="Session" sub={<span className="mono">{id}</span>} />
        <div className="panel">
          {notFound ? (
            <div className="state" data-testid="error-state">
              <div className="state-title">No session {id}</div>
              <div>
                It may have been removed by retention. <Link href="/sessions">Back to sessions</Link>
              </div>
            </div>
          ) : (
            <ErrorState error={q.error} retry={() => void q.refetch()} />
          )}
        </div>
      </div>
    );
  }
  const s = q.data;
  if (!a) return null;
  return (
    <div className="stack" data-testid="session-detail" data-status={s.status}>
      <PageHead
        title={
          <span className="filters">
            <Link href="/sessions" className="muted" style={{ fontWeight: 500 }}>
              Sessions
            </Link>
            <span className="faint">/</span>
            <span className="mono" style={{ fontSize: 14 }} data-testid="session-id">
              {s.id}
            </span>
          </span>
        }
        sub={<SessionMeta s={s} />}
        actions={
          <a className="btn small" href={api.exportUrl(s.id)} download data-testid="session-export">
            Export fixture
          </a>
        }
      />
      <VerdictBanner s={s} a={a} strict={strict} />
      <GoldenChecklist a={a} />
      <SessionResponse s={s} a={a} />
      <section className="panel">
        <div className="panel-head">
          <h2>Timeline</h2>
          <span className="hint">
            {a.events.length} events · {s.inbound.length} inbound · {a.connections.length} connection{a.connections.length === 1 ? "" : "s"}{" "}
            · span {fmtSpan(a.span_ms)}
          </span>
        </div>
        <SessionTimeline s={s} a={a} />
      </section>
      {a.tools.length > 0 ? (
        <section className="panel">
          <div className="panel-head">
            <h2>Tool calls</h2>
            <span className="hint">
              {a.tools.length} call{a.tools.length === 1 ? "" : "s"}, paired by tool_call_id · long JSON opens on click
            </span>
          </div>
          <div className="table-wrap">
            <SessionToolCalls calls={a.tools} />
          </div>
        </section>
      ) : null}
      <section className="panel">
        <div className="panel-head">
          <h2>Events</h2>
          <span className="hint">click a row for its payload</span>
        </div>
        <div className="table-wrap">
          <SessionEvents a={a} />
        </div>
      </section>
      <section className="panel">
        <div className="panel-head">
          <h2>Inbound messages</h2>
        </div>
        <div className="table-wrap">
          <SessionInboundTable inbound={s.inbound} />
        </div>
      </section>
      <ReplayPanel sessionId={s.id} running={s.status === "running"} external={s.agent_kind !== "builtin"} />
    </div>
  );
}

function SessionMeta({ s }: { s: SessionDetail }) {
  const faults = Object.keys(s.faults).length > 0 ? JSON.stringify(s.faults) : null;
  return (
    <span className="filters" style={{ gap: 14 }}>
      <span>
        user <span className="mono">{s.user_id}</span>
      </span>
      <span>
        thread <span className="mono">{s.thread_id}</span>
      </span>
      <span className="filters" style={{ gap: 5 }}>
        agent <span data-testid="session-agent">{s.agent_name}</span>
        {s.agent_version !== s.agent_kind ? <span className="faint">{s.agent_version}</span> : null}
        <AgentKindBadge kind={s.agent_kind} testId="session-agent-kind" />
      </span>
      <span>
        node <span className="mono">{s.node_id}</span>
      </span>
      <span>started {fmtDateTime(s.started_at)}</span>
      <span>{s.duration_ms !== null ? `took ${fmtSpan(s.duration_ms)}` : "still running"}</span>
      {faults ? (
        <span className="chip warn" data-testid="session-faults">
          faults {faults}
        </span>
      ) : null}
    </span>
  );
}

function VerdictBanner({ s, a, strict }: { s: SessionDetail; a: SessionAnalysis; strict: boolean }) {
  // The contract's order, whatever order the server listed them in.
  const reasons = VERDICT_REASONS.filter((r) => s.verdict.reasons.includes(r));
  const cls = s.status === "passed" ? "passed" : s.status === "failed" ? "failed" : "";
  return (
    <div className={`verdict-banner ${cls}`} data-testid="session-verdict">
      <StatusBadge status={s.status} />
      <div style={{ flex: 1, minWidth: 0 }}>
        <div className="big">
          {s.status === "passed"
            ? strict
              ? "Golden path complete: all five kinds, in order, delivered to every open connection."
              : "Run complete: started, every tool call answered, completed, delivered to every open connection."
            : s.status === "running"
              ? "Running: the verdict is final when the run ends or goes silent."
              : s.status === "cancelled"
                ? "Cancelled by stop_agent."
                : "Failed"}
        </div>
        {a.outcome.error ? (
          <div className="agent-error" data-testid="session-agent-error" data-code={a.outcome.error.code}>
            <span className="code">{a.outcome.error.code}</span>
            <span style={{ minWidth: 0 }}>{a.outcome.error.message || <span className="faint">no message</span>}</span>
            <span className="faint mono nowrap" style={{ marginLeft: "auto" }}>
              agent_error at +{fmtSpan(a.outcome.error.at_ms)}
            </span>
          </div>
        ) : null}
        {reasons.length > 0 ? (
          <div className="reason-list" data-testid="session-reasons" style={{ marginTop: 6 }}>
            {reasons.map((r) => (
              <div className="reason" key={r} data-testid="session-reason" data-code={r}>
                <span className={`chip ${reasonClass(r)}`}>{r}</span>
                <span className="muted">{REASON_TEXT[r]}</span>
              </div>
            ))}
          </div>
        ) : null}
        {s.verdict.details.length > 0 ? (
          <ul className="finding-list mono" data-testid="session-findings">
            {s.verdict.details.map((d, i) => (
              <li key={i} data-testid="session-finding">
                {d}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}

function GoldenChecklist({ a }: { a: SessionAnalysis }) {
  const errored = a.events.find((e) => e.type === "agent_error");
  return (
    <div className="cards" data-testid="golden-checklist" style={{ gridTemplateColumns: "repeat(auto-fill, minmax(150px, 1fr))" }}>
      {a.golden.map((g) => {
        // An optional step that did not happen is no fault: it is shown, quietly.
        const skipped = !g.first && g.optional;
        return (
          <div
            key={g.type}
            className={`card${g.first ? "" : skipped ? " optional" : " alert"}`}
            data-testid="golden-step"
            data-type={g.type}
            data-present={!!g.first}
            data-optional={g.optional}
            title={g.optional ? "optional: this agent is not strict, so thinking and tools are not required" : undefined}
          >
            <div className="card-label">
              <span className="mono">
                <span
                  className="dot"
                  style={{ display: "inline-block", background: eventColor(g.type), borderRadius: 2, marginRight: 6 }}
                />
                {g.type}
              </span>
              <span className={g.first ? "ok-text" : skipped ? "faint" : "err-text"}>{g.first ? "✓" : skipped ? "–" : "✗"}</span>
            </div>
            <div className="card-sub">
              {g.first
                ? `${g.count}× · first at +${fmtSpan(g.first.emitted_at_ms)}${g.optional ? " · optional" : ""}`
                : skipped
                  ? "optional · not used"
                  : errored
                    ? "not reached"
                    : "missing"}
            </div>
          </div>
        );
      })}
      {a.stream ? (
        <div className="card" data-testid="stream-step" data-chunks={a.stream.chunks.length} style={{ gridColumn: "span 2" }}>
          <div className="card-label">
            <span className="mono">
              <span
                className="dot"
                style={{ display: "inline-block", background: eventColor(CHUNK_TYPE), borderRadius: 2, marginRight: 6 }}
              />
              {CHUNK_TYPE}
            </span>
            <span className="muted">≋</span>
          </div>
          <div className="card-sub">
            {a.stream.chunks.length}× · first at +{fmtSpan(a.stream.first_ms)} · last at +{fmtSpan(a.stream.last_ms)}
          </div>
        </div>
      ) : null}
      {errored ? (
        <div className="card alert" data-testid="golden-step" data-type="agent_error" data-present>
          <div className="card-label">
            <span className="mono">agent_error</span>
            <span className="err-text">!</span>
          </div>
          <div className="card-sub err-text ellipsis" title={JSON.stringify(errored.payload)}>
            {String(errored.payload.error_code ?? "error")} at +{fmtSpan(errored.emitted_at_ms)}
          </div>
        </div>
      ) : null}
    </div>
  );
}
