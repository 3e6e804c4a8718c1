"use client";

import { useQuery } from "@tanstack/react-query";
import { PageHead } from "@/components/ui/page-head";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import type { AlertInfo } from "@/contract/operator-api";
import { api } from "@/lib/api";
import { fmtAgo, fmtDateTime, fmtSpan, toMs } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { useNow } from "@/lib/use-now";
import { fmtAgainst } from "./alert-figures";

/** Episodes the page lists (newest first). */
const SHOWN = { limit: 200 } as const;

/** Every alert episode, firing ones and history: what fired, when, for how long, and the value against the rule. */
export function AlertsView() {
  const alerts = useQuery({ queryKey: queryKeys.alerts(SHOWN), queryFn: () => api.alerts(SHOWN), refetchInterval: 5_000 });
  const now = useNow(5000);
  const list = alerts.data ?? [];
  const firing = list.filter((a) => a.state === "firing").length;

  return (
    <div className="stack">
      <PageHead
        title="Alerts"
        sub="Episodes of the alert rules (ALERTS_FILE, or the defaults): each fires once, notifies the webhooks, and resolves once its window is clear."
        actions={
          alerts.data ? (
            <span className="toolbar-note" data-testid="alerts-summary">
              {firing} firing · {list.length === 1 ? "1 episode" : `${list.length} episodes`}
              {list.length === SHOWN.limit ? " (newest)" : ""}
            </span>
          ) : null
        }
      />
      <section className="panel">
        <div className="panel-head">
          <h2>Episodes</h2>
          <span className="hint">value is what the rule measured when the episode fired · newest first</span>
        </div>
        {alerts.isPending ? (
          <Loading />
        ) : !alerts.data ? (
          <ErrorState error={alerts.error} retry={() => void alerts.refetch()} />
        ) : list.length === 0 ? (
          <Empty>No alert has fired.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="alerts-table">
              <thead>
                <tr>
                  <th>state</th>
                  <th>name</th>
                  <th>kind</th>
                  <th>started</th>
                  <th>resolved</th>
                  <th className="num">lasted</th>
                  <th className="num">value vs threshold</th>
                </tr>
              </thead>
              <tbody>
                {list.map((a) => (
                  <AlertRow key={a.id} a={a} now={now} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function AlertRow({ a, now }: { a: AlertInfo; now: number }) {
  const started = toMs(a.started_at) ?? now;
  const lasted = (toMs(a.resolved_at) ?? now) - started;
  return (
    <tr data-testid="alerts-row" data-state={a.state} data-name={a.name} className={a.state === "firing" ? "danger" : undefined}>
      <td>
        <span className={`badge ${a.state === "firing" ? "err" : "outline"}`} data-testid="alerts-state">
          {a.state === "firing" ? "● firing" : "resolved"}
        </span>
      </td>
      <td className="mono" style={{ color: "var(--text-strong)" }}>
        {a.name}
      </td>
      <td className="mono muted">{a.kind}</td>
      <td className="nowrap" title={a.started_at}>
        {fmtDateTime(a.started_at)} <span className="faint">{fmtAgo(a.started_at, now)}</span>
      </td>
      <td className="nowrap" title={a.resolved_at ?? undefined}>
        {a.resolved_at ? fmtDateTime(a.resolved_at) : <span className="faint">–</span>}
      </td>
      <td className="num">{fmtSpan(lasted)}</td>
      <td className={`num mono${a.state === "firing" ? " err-text" : ""}`}>{fmtAgainst(a)}</td>
    </tr>
  );
}
