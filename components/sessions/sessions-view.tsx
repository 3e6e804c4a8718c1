"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { AgentKindBadge } from "@/components/agents/agent-kind-badge";
import { PageHead } from "@/components/ui/page-head";
import { Empty, EmptyTraffic, ErrorState, Loading } from "@/components/ui/states";
import type { SessionQuery } from "@/contract/operator-api";
import { GOLDEN_PATH } from "@/contract/run-events";
import { SESSION_STATUSES, type SessionStatus } from "@/contract/sessions";
import { api, LIST_MAX } from "@/lib/api";
import { fmtAgo, fmtDateTime, fmtInt, fmtMs, fmtSpan, shortId } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { useNow } from "@/lib/use-now";
import { ReasonChips, StatusBadge } from "./status-badge";

const PAGE = 100;

function asStatus(v: string | null): SessionStatus | undefined {
  return SESSION_STATUSES.find((s) => s === v);
}

export function SessionsView() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const status = asStatus(params.get("status"));
  const user = params.get("user") ?? "";
  const [userInput, setUserInput] = useState(user);
  const now = useNow(5_000);

  // The filters live in the URL so a filtered list can be shared and survives a reload.
  const setParams = (next: { status?: string; user?: string }) => {
    const sp = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(next)) {
      if (v) sp.set(k, v);
      else sp.delete(k);
    }
    const s = sp.toString();
    router.replace(s ? `${pathname}?${s}` : pathname, { scroll: false });
  };

  // Only the typed text re-arms the timer; the ref always holds the latest URL writer.
  const setParamsRef = useRef(setParams);
  useEffect(() => {
    setParamsRef.current = setParams;
  });
  useEffect(() => {
    if (userInput.trim() === user) return;
    const id = setTimeout(() => setParamsRef.current({ user: userInput.trim() }), 400);
    return () => clearTimeout(id);
  }, [userInput, user]);

  const [limit, setLimit] = useState(PAGE);
  const filter: SessionQuery = { status, user_id: user || undefined, limit };
  const sessions = useQuery({
    queryKey: queryKeys.sessions(filter),
    queryFn: () => api.sessions(filter),
    refetchInterval: 3_000,
    // Changing a filter keeps the old rows up until the new ones arrive, instead of a spinner.
    placeholderData: keepPreviousData,
  });
  const stats = useQuery({ queryKey: queryKeys.stats(), queryFn: api.stats, refetchInterval: 5_000 });

  return (
    <div className="stack">
      <PageHead
        title="Sessions"
        sub={`Golden-path runs: ${GOLDEN_PATH.join(" → ")}, judged per run.`}
        actions={
          stats.data ? (
            <span className="chips">
              <span className="badge ok">{fmtInt(stats.data.sessions.passed)} passed</span>
              <span className="badge err">{fmtInt(stats.data.sessions.failed)} failed</span>
              <span className="badge accent">{fmtInt(stats.data.sessions.running)} running</span>
              <span className="badge warn">{fmtInt(stats.data.sessions.cancelled)} cancelled</span>
            </span>
          ) : null
        }
      />
      <section className="panel">
        <div className="panel-head">
          <div className="filters">
            <span className="chips" role="group" aria-label="Status">
              {[undefined, ...SESSION_STATUSES].map((s) => (
                <button
                  key={s ?? "all"}
                  type="button"
                  className={`btn small${s === status ? "" : " ghost"}`}
                  aria-pressed={s === status}
                  data-testid={`sessions-filter-${s ?? "all"}`}
                  onClick={() => setParams({ status: s })}
                >
                  {s ?? "all"}
                </button>
              ))}
            </span>
            <input
              className="input mono"
              placeholder="user id"
              aria-label="Filter by user"
              data-testid="sessions-filter-user"
              value={userInput}
              onChange={(e) => setUserInput(e.target.value)}
            />
          </div>
          <span className="hint">{sessions.data ? `${fmtInt(sessions.data.length)} shown, newest first` : null}</span>
        </div>
        {sessions.isPending ? (
          <Loading />
        ) : !sessions.data ? (
          <ErrorState error={sessions.error} retry={() => void sessions.refetch()} />
        ) : sessions.data.length === 0 ? (
          status || user ? (
            <Empty>No session matches these filters.</Empty>
          ) : (
            <EmptyTraffic />
          )
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="sessions-table" style={sessions.isPlaceholderData ? { opacity: 0.55 } : undefined}>
              <thead>
                <tr>
                  <th>status</th>
                  <th>session</th>
                  <th>user</th>
                  <th>agent</th>
                  <th>kind</th>
                  <th>verdict reasons</th>
                  <th>started</th>
                  <th className="num" title="time to first token: from the inbound message to the first streamed chunk">
                    TTFT
                  </th>
                  <th className="num">duration</th>
                </tr>
              </thead>
              <tbody>
                {sessions.data.map((s) => {
                  const href = `/sessions/${encodeURIComponent(s.id)}`;
                  return (
                    <tr
                      key={s.id}
                      className={`clickable${s.status === "failed" ? " danger" : ""}`}
                      data-testid="sessions-row"
                      data-session-id={s.id}
                      data-user={s.user_id}
                      data-status={s.status}
                      onClick={() => router.push(href)}
                    >
                      <td>
                        <StatusBadge status={s.status} />
                      </td>
                      <td className="mono">
                        <Link href={href} onClick={(e) => e.stopPropagation()} title={s.id} data-testid="sessions-link">
                          {shortId(s.id, 10)}
                        </Link>
                      </td>
                      <td className="mono">{s.user_id}</td>
                      <td className="muted">{s.agent_name}</td>
                      <td>
                        <AgentKindBadge kind={s.agent_kind} />
                      </td>
                      <td>
                        <ReasonChips reasons={s.verdict.reasons} />
                        {s.error_code ? (
                          <span className="mono faint" style={{ marginLeft: 6 }} data-testid="sessions-error-code">
                            {s.error_code}
                          </span>
                        ) : null}
                      </td>
                      <td className="muted nowrap" title={fmtDateTime(s.started_at)}>
                        {fmtAgo(s.started_at, now)}
                      </td>
                      <td className="num muted" title={s.chunks > 0 ? `${fmtInt(s.chunks)} chunks` : "not streamed"}>
                        {s.ttft_ms !== null ? fmtMs(s.ttft_ms) : "–"}
                      </td>
                      <td className="num">{s.duration_ms !== null ? fmtSpan(s.duration_ms) : s.status === "running" ? "…" : "–"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {sessions.data.length >= limit && limit < LIST_MAX ? (
              <div className="state compact">
                <button
                  type="button"
                  className="btn small"
                  data-testid="sessions-more"
                  onClick={() => setLimit((l) => Math.min(LIST_MAX, l + PAGE))}
                >
                  Show {PAGE} older sessions
                </button>
              </div>
            ) : null}
          </div>
        )}
      </section>
    </div>
  );
}
