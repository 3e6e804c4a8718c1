"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import { PageHead } from "@/components/ui/page-head";
import { EmptyTraffic, ErrorState, Loading } from "@/components/ui/states";
import type { SeriesPoint } from "@/contract/operator-api";
import { api } from "@/lib/api";
import { fmtAxisMs, fmtCompact, fmtInt, fmtMs, fmtPct, fmtRate, toMs } from "@/lib/format";
import { SERIES_MINUTES, useInspector } from "@/lib/inspector";
import { queryKeys } from "@/lib/query-keys";
import { BusiestHandlers, RecentSessions } from "./overview-lists";
import { StatCard, StatCardSkeleton } from "./stat-card";

const WINDOWS = [1, 5, 15] as const;
type Window = (typeof WINDOWS)[number];

interface ChartPoint {
  x: number;
  messages: number | null;
  events: number | null;
  errors: number | null;
  p50: number | null;
  p99: number | null;
}

function toChart(points: readonly SeriesPoint[]): ChartPoint[] {
  const out: ChartPoint[] = [];
  for (const p of points) {
    const x = toMs(p.t);
    if (x === null) continue;
    out.push({ x, messages: p.messages, events: p.events, errors: p.errors, p50: p.p50_ms, p99: p.p99_ms });
  }
  return out;
}

/** Averages over the last `n` points: one second alone is too jumpy to read. */
function recent(points: readonly SeriesPoint[], n: number) {
  const tail = points.slice(-n);
  let messages = 0;
  let events = 0;
  let errors = 0;
  for (const p of tail) {
    messages += p.messages;
    events += p.events;
    errors += p.errors;
  }
  const k = Math.max(1, tail.length);
  // Rejected messages may or may not be counted in `messages`; cap so the rate never reads over 100%.
  const errorRate = messages > 0 ? Math.min(1, errors / messages) : errors > 0 ? 1 : 0;
  return { messagesPerS: messages / k, eventsPerS: events / k, errorRate, errors };
}

export function OverviewView() {
  const { status } = useInspector();
  const [win, setWin] = useState<Window>(5);
  const stats = useQuery({ queryKey: queryKeys.stats(), queryFn: api.stats, refetchInterval: 2_000 });
  // Live points are appended by the inspector; the periodic refetch only resynchronises.
  const series = useQuery({
    queryKey: queryKeys.series(SERIES_MINUTES),
    queryFn: () => api.series(SERIES_MINUTES),
    refetchInterval: 60_000,
    staleTime: 30_000,
  });

  const points = useMemo(() => series.data ?? [], [series.data]);
  const chart = useMemo(() => {
    const all = toChart(points);
    const last = all[all.length - 1];
    if (!last) return all;
    const from = last.x - win * 60_000;
    return all.filter((p) => p.x >= from);
  }, [points, win]);
  const r = useMemo(() => recent(points, 10), [points]);
  const lastP = points[points.length - 1];

  const s = stats.data;
  const noTraffic = s !== undefined && s.messages_routed === 0 && s.connections === 0;

  return (
    <div className="stack">
      <PageHead
        title="Overview"
        sub="Routing at a glance: live counters and the last minutes of throughput and latency."
        actions={
          <span className="pill-live">
            <span className={`dot ${status === "live" ? "live" : "warn"}`} />
            {status === "live" ? "updating live" : status}
          </span>
        }
      />

      {stats.isError && !stats.data ? (
        <div className="panel">
          <ErrorState error={stats.error} retry={() => void stats.refetch()} />
        </div>
      ) : (
        <div className="cards" data-testid="stat-cards">
          {!s ? (
            Array.from({ length: 8 }, (_, i) => <StatCardSkeleton key={i} />)
          ) : (
            <>
              <StatCard testId="stat-connections" label="Connections" value={fmtInt(s.connections)} sub="open sockets, all nodes" />
              <StatCard testId="stat-users" label="Users" value={fmtInt(s.users)} sub="with an open connection" />
              <StatCard
                testId="stat-messages-rate"
                label="Messages / s"
                value={fmtRate(r.messagesPerS)}
                sub={`${fmtInt(s.messages_routed)} routed total`}
              />
              <StatCard
                testId="stat-events-rate"
                label="Events / s"
                value={fmtRate(r.eventsPerS)}
                sub={`${fmtInt(s.events_delivered)} delivered total`}
              />
              <StatCard
                testId="stat-error-rate"
                label="Error rate"
                value={fmtPct(r.errorRate)}
                sub={`${fmtInt(s.errors)} errors total`}
                alert={r.errorRate > 0.05}
              />
              <StatCard
                testId="stat-isolation"
                label="Isolation violations"
                value={fmtInt(s.isolation_violations)}
                sub={s.isolation_violations > 0 ? "see Users for the offending traces" : "no event reached another user"}
                alert={s.isolation_violations > 0}
              />
              <StatCard
                testId="stat-sessions-passed"
                label="Sessions passed"
                value={fmtInt(s.sessions.passed)}
                sub={`${fmtInt(s.sessions.running)} running · ${fmtInt(s.sessions.cancelled)} cancelled`}
              />
              <StatCard
                testId="stat-sessions-failed"
                label="Sessions failed"
                value={fmtInt(s.sessions.failed)}
                sub={
                  s.sessions.passed + s.sessions.failed > 0
                    ? `${fmtPct(s.sessions.failed / (s.sessions.passed + s.sessions.failed))} of finished`
                    : "none finished yet"
                }
                alert={s.sessions.failed > 0}
              />
            </>
          )}
        </div>
      )}

      {noTraffic ? (
        <div className="panel">
          <EmptyTraffic />
        </div>
      ) : null}

      <div className="grid-2">
        <section className="panel">
          <div className="panel-head">
            <h2>Throughput</h2>
            <div className="filters">
              <span className="hint">per second</span>
              <WindowPicker value={win} onChange={setWin} />
            </div>
          </div>
          {series.isPending ? (
            <Loading compact />
          ) : !series.data ? (
            <ErrorState compact error={series.error} retry={() => void series.refetch()} />
          ) : (
            <TimeSeriesChart
              testId="chart-throughput"
              data={chart}
              format={(v) => fmtRate(v)}
              tickFormat={fmtCompact}
              lines={[
                { key: "messages", label: "messages", color: "var(--chart-1)" },
                { key: "events", label: "events", color: "var(--chart-2)" },
                { key: "errors", label: "errors", color: "var(--chart-4)" },
              ]}
            />
          )}
        </section>
        <section className="panel">
          <div className="panel-head">
            <h2>Routing latency</h2>
            <span className="hint">
              p50 {fmtMs(lastP?.p50_ms)} · p99 {fmtMs(lastP?.p99_ms)}
            </span>
          </div>
          {series.isPending ? (
            <Loading compact />
          ) : !series.data ? (
            <ErrorState compact error={series.error} retry={() => void series.refetch()} />
          ) : (
            <TimeSeriesChart
              testId="chart-latency"
              data={chart}
              format={(v) => fmtMs(v)}
              tickFormat={fmtAxisMs}
              lines={[
                { key: "p50", label: "p50", color: "var(--chart-1)" },
                { key: "p99", label: "p99", color: "var(--chart-3)", dashed: true },
              ]}
            />
          )}
        </section>
      </div>
      <div className="grid-2">
        <RecentSessions />
        <BusiestHandlers />
      </div>
    </div>
  );
}

function WindowPicker({ value, onChange }: { value: Window; onChange: (w: Window) => void }) {
  return (
    <span className="chips" role="group" aria-label="Time window">
      {WINDOWS.map((w) => (
        <button
          key={w}
          type="button"
          className={`btn small${w === value ? "" : " ghost"}`}
          aria-pressed={w === value}
          onClick={() => onChange(w)}
        >
          {w}m
        </button>
      ))}
    </span>
  );
}
