"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { ReasonChips, StatusBadge } from "@/components/sessions/status-badge";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import type { SessionQuery } from "@/contract/operator-api";
import { api } from "@/lib/api";
import { fmtAgo, fmtInt, fmtMs, shortId } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { useNow } from "@/lib/use-now";

const RECENT: SessionQuery = { limit: 8 };

/** The newest sessions, so a failure is one click away from the overview. */
export function RecentSessions() {
  const q = useQuery({ queryKey: queryKeys.sessions(RECENT), queryFn: () => api.sessions(RECENT), refetchInterval: 3_000 });
  const now = useNow(5_000);
  return (
    <section className="panel">
      <div className="panel-head">
        <h2>Recent sessions</h2>
        <Link href="/sessions" className="hint">
          all sessions →
        </Link>
      </div>
      {q.isPending ? (
        <Loading compact />
      ) : !q.data ? (
        <ErrorState compact error={q.error} retry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <Empty compact>No session yet.</Empty>
      ) : (
        <table className="table" data-testid="overview-sessions">
          <tbody>
            {q.data.map((s) => (
              <tr key={s.id} className={s.status === "failed" ? "danger" : undefined}>
                <td style={{ width: 80 }}>
                  <StatusBadge status={s.status} testId="overview-session-status" />
                </td>
                <td className="mono nowrap">
                  <Link href={`/sessions/${encodeURIComponent(s.id)}`}>{shortId(s.id, 10)}</Link>
                </td>
                <td className="mono muted ellipsis" style={{ maxWidth: 160 }}>
                  {s.user_id}
                </td>
                <td className="nowrap-chips">
                  <ReasonChips reasons={s.verdict.reasons} testId="overview-session-reasons" />
                </td>
                <td className="muted nowrap num">{fmtAgo(s.started_at, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The handlers carrying the traffic, with their tail latency. */
export function BusiestHandlers() {
  const q = useQuery({ queryKey: queryKeys.handlers(), queryFn: api.handlers, refetchInterval: 5_000 });
  const top = (q.data ?? [])
    .filter((h) => h.stats.count > 0)
    .sort((a, b) => b.stats.count - a.stats.count)
    .slice(0, 8);
  const max = Math.max(1, ...top.map((h) => h.stats.count));
  return (
    <section className="panel">
      <div className="panel-head">
        <h2>Busiest handlers</h2>
        <Link href="/handlers" className="hint">
          registry →
        </Link>
      </div>
      {q.isPending ? (
        <Loading compact />
      ) : !q.data ? (
        <ErrorState compact error={q.error} retry={() => void q.refetch()} />
      ) : top.length === 0 ? (
        <Empty compact>No message routed yet.</Empty>
      ) : (
        <table className="table" data-testid="overview-handlers">
          <thead>
            <tr>
              <th>type</th>
              <th style={{ width: "35%" }} />
              <th className="num">count</th>
              <th className="num">errors</th>
              <th className="num">p99</th>
            </tr>
          </thead>
          <tbody>
            {top.map((h) => (
              <tr key={h.type}>
                <td className="mono">{h.type}</td>
                <td>
                  <div style={{ height: 6, borderRadius: 3, background: "var(--hover)" }}>
                    <div style={{ width: `${(100 * h.stats.count) / max}%`, height: 6, borderRadius: 3, background: "var(--accent)" }} />
                  </div>
                </td>
                <td className="num">{fmtInt(h.stats.count)}</td>
                <td className={`num${h.stats.errors ? " err-text" : " muted"}`}>{fmtInt(h.stats.errors)}</td>
                <td className="num">{fmtMs(h.stats.p99_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
