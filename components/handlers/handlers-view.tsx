"use client";

import { useQuery } from "@tanstack/react-query";
import { PageHead } from "@/components/ui/page-head";
import { SortTh, useSorted } from "@/components/ui/sort-header";
import { Empty, EmptyTraffic, ErrorState, Loading } from "@/components/ui/states";
import type { HandlerInfo, UnhandledType } from "@/contract/operator-api";
import { api } from "@/lib/api";
import { fmtAgo, fmtInt, fmtMs, fmtPct } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { useNow } from "@/lib/use-now";

export function HandlersView() {
  const handlers = useQuery({ queryKey: queryKeys.handlers(), queryFn: api.handlers, refetchInterval: 5_000 });
  const unhandled = useQuery({ queryKey: queryKeys.unhandled(), queryFn: api.unhandled, refetchInterval: 5_000 });
  const now = useNow(5_000);
  const { sorted, sort, toggle } = useSorted<HandlerInfo, "type" | "handler" | "source" | "count" | "errors" | "p50" | "p99">(
    handlers.data,
    {
      type: (h) => h.type,
      handler: (h) => h.handler,
      source: (h) => h.source,
      count: (h) => h.stats.count,
      errors: (h) => h.stats.errors,
      p50: (h) => h.stats.p50_ms,
      p99: (h) => h.stats.p99_ms,
    },
    { key: "count", dir: "desc" },
  );
  const total = (handlers.data ?? []).reduce((s, h) => s + h.stats.count, 0);
  const unhandledTotal = (unhandled.data ?? []).reduce((s, u) => s + u.count, 0);

  return (
    <div className="stack">
      <PageHead
        title="Handlers"
        sub="The one registry: every message type, its aliases and the single handler it routes to."
        actions={
          handlers.data ? (
            <span className="toolbar-note">
              {handlers.data.length} types · {fmtInt(total)} routed · {fmtInt(unhandledTotal)} unhandled
            </span>
          ) : null
        }
      />
      <section className="panel">
        <div className="panel-head">
          <h2>Registry</h2>
          <span className="hint">latency is handler time per message</span>
        </div>
        {handlers.isPending ? (
          <Loading />
        ) : !handlers.data ? (
          <ErrorState error={handlers.error} retry={() => void handlers.refetch()} />
        ) : sorted.length === 0 ? (
          <Empty>No handler is registered.</Empty>
        ) : (
          <>
            {total === 0 ? <EmptyTraffic compact /> : null}
            <div className="table-wrap">
              <table className="table" data-testid="handlers-table">
                <thead>
                  <tr>
                    <SortTh k="type" label="type" sort={sort} toggle={toggle} />
                    <th>aliases</th>
                    <SortTh k="handler" label="handler" sort={sort} toggle={toggle} />
                    <SortTh k="source" label="source" sort={sort} toggle={toggle} />
                    <SortTh k="count" label="count" sort={sort} toggle={toggle} num />
                    <SortTh k="errors" label="errors" sort={sort} toggle={toggle} num />
                    <th className="num">error %</th>
                    <SortTh k="p50" label="p50" sort={sort} toggle={toggle} num />
                    <SortTh k="p99" label="p99" sort={sort} toggle={toggle} num />
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((h) => (
                    <tr key={h.type} data-testid="handlers-row" data-type={h.type} className={h.stats.errors > 0 ? "danger" : undefined}>
                      <td className="mono" style={{ color: "var(--text-strong)" }}>
                        {h.type}
                      </td>
                      <td>
                        <span className="chips">
                          {h.aliases.length === 0 ? (
                            <span className="faint">–</span>
                          ) : (
                            h.aliases.map((a) => (
                              <span key={a} className="chip">
                                {a}
                              </span>
                            ))
                          )}
                        </span>
                      </td>
                      <td className="mono">{h.handler}</td>
                      <td>
                        <span className="badge outline">{h.source}</span>
                      </td>
                      <td className="num" data-testid="handlers-count">
                        {fmtInt(h.stats.count)}
                      </td>
                      <td className={`num${h.stats.errors > 0 ? " err-text" : ""}`}>{fmtInt(h.stats.errors)}</td>
                      <td className="num muted">{h.stats.count > 0 ? fmtPct(h.stats.errors / h.stats.count) : "–"}</td>
                      <td className="num">{h.stats.count > 0 ? fmtMs(h.stats.p50_ms) : "–"}</td>
                      <td className="num">{h.stats.count > 0 ? fmtMs(h.stats.p99_ms) : "–"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
      <section className="panel">
        <div className="panel-head">
          <h2>Types with no handler</h2>
          <span className="hint">GET /api/handlers/unhandled · answered with UNKNOWN_MESSAGE_TYPE</span>
        </div>
        {unhandled.isPending ? (
          <Loading compact />
        ) : !unhandled.data ? (
          <ErrorState compact error={unhandled.error} retry={() => void unhandled.refetch()} />
        ) : unhandled.data.length === 0 ? (
          <Empty compact>Every type that arrived matched a handler.</Empty>
        ) : (
          <UnhandledTable rows={unhandled.data} now={now} />
        )}
      </section>
    </div>
  );
}

function UnhandledTable({ rows, now }: { rows: UnhandledType[]; now: number }) {
  // ISO times of one clock sort as strings.
  const sorted = [...rows].sort((a, b) => b.count - a.count || b.last_seen.localeCompare(a.last_seen));
  return (
    <div className="table-wrap">
      <table className="table" data-testid="unhandled-table">
        <thead>
          <tr>
            <th>type</th>
            <th className="num">count</th>
            <th>last seen</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((u) => (
            <tr key={u.type} data-testid="unhandled-row" data-type={u.type}>
              <td className="mono warn-text" style={{ color: "var(--warn)" }}>
                {u.type}
              </td>
              <td className="num">{fmtInt(u.count)}</td>
              <td className="muted">{fmtAgo(u.last_seen, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
