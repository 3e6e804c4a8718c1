"use client";

import { useQuery } from "@tanstack/react-query";
import { PageHead } from "@/components/ui/page-head";
import { SortTh, useSorted } from "@/components/ui/sort-header";
import { Empty, EmptyTraffic, ErrorState, Loading } from "@/components/ui/states";
import type { AgentInfo } from "@/contract/operator-api";
import { api } from "@/lib/api";
import { fmtInt, fmtMs, fmtPct } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { AgentKindBadge } from "./agent-kind-badge";

/** How many ignored AG-UI types a row shows before folding the rest into "+n". */
const IGNORED_SHOWN = 2;

type Row = AgentInfo & { order: number };

export function AgentsView() {
  const agents = useQuery({ queryKey: queryKeys.agents(), queryFn: api.agents, refetchInterval: 5_000 });
  // The server lists agents in declaration order: keep that order unless the operator sorts.
  const rows: Row[] | undefined = agents.data?.map((a, order) => ({ ...a, order }));
  const { sorted, sort, toggle } = useSorted<Row, "order" | "name" | "kind" | "runs" | "failed" | "p50" | "p99" | "ttft">(
    rows,
    {
      order: (a) => a.order,
      name: (a) => a.name,
      kind: (a) => a.kind,
      runs: (a) => a.stats.runs,
      failed: (a) => (a.stats.runs > 0 ? a.stats.failed / a.stats.runs : null),
      p50: (a) => (a.stats.runs > 0 ? a.stats.p50_ms : null),
      p99: (a) => (a.stats.runs > 0 ? a.stats.p99_ms : null),
      ttft: (a) => a.stats.ttft_p50_ms,
    },
    { key: "order", dir: "asc" },
  );
  const list = agents.data ?? [];
  const runs = list.reduce((s, a) => s + a.stats.runs, 0);
  const external = list.filter((a) => a.kind !== "builtin").length;

  return (
    <div className="stack">
      <PageHead
        title="Agents"
        sub="The agents a run may be handed to: the built-ins and those declared in AGENTS_FILE, with this node's run figures."
        actions={
          agents.data ? (
            <span className="toolbar-note" data-testid="agents-summary">
              {list.length} agents · {external} external · {fmtInt(runs)} runs
            </span>
          ) : null
        }
      />
      <section className="panel">
        <div className="panel-head">
          <h2>Declared agents</h2>
          <span className="hint">run time from agent_started to the run&apos;s end · TTFT from the inbound message to the first chunk</span>
        </div>
        {agents.isPending ? (
          <Loading />
        ) : !agents.data ? (
          <ErrorState error={agents.error} retry={() => void agents.refetch()} />
        ) : sorted.length === 0 ? (
          <Empty>No agent is declared.</Empty>
        ) : (
          <>
            {runs === 0 ? <EmptyTraffic compact /> : null}
            <div className="table-wrap">
              <table className="table" data-testid="agents-table">
                <thead>
                  <tr>
                    <SortTh k="name" label="name" sort={sort} toggle={toggle} />
                    <SortTh k="kind" label="kind" sort={sort} toggle={toggle} />
                    <th>model</th>
                    <th>url</th>
                    <th>verdict</th>
                    <SortTh k="runs" label="runs" sort={sort} toggle={toggle} num />
                    <SortTh k="failed" label="failed" sort={sort} toggle={toggle} num />
                    <SortTh k="p50" label="p50" sort={sort} toggle={toggle} num />
                    <SortTh k="p99" label="p99" sort={sort} toggle={toggle} num />
                    <SortTh k="ttft" label="TTFT p50" sort={sort} toggle={toggle} num />
                    <th>ignored AG-UI events</th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((a) => (
                    <AgentRow key={a.name} a={a} />
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </div>
  );
}

function AgentRow({ a }: { a: Row }) {
  const { runs, failed } = a.stats;
  return (
    <tr data-testid="agents-row" data-name={a.name} data-kind={a.kind} className={failed > 0 && failed === runs ? "danger" : undefined}>
      <td className="nowrap">
        <span className="mono" style={{ color: "var(--text-strong)" }} data-testid="agents-name">
          {a.name}
        </span>
        {a.default ? (
          <span
            className="chip"
            style={{ marginLeft: 6 }}
            title="the first declared agent answers user_message and start_agent without agent_name"
          >
            default
          </span>
        ) : null}
      </td>
      <td>
        <AgentKindBadge kind={a.kind} />
      </td>
      <td className="mono muted">{a.model ?? <span className="faint">–</span>}</td>
      <td className="mono muted ellipsis" style={{ maxWidth: 280 }} title={a.url} data-testid="agents-url">
        {a.url ?? <span className="faint">–</span>}
      </td>
      <td>
        {a.strict ? (
          <span className="chip" title="strict: all five golden-path kinds, in order">
            strict
          </span>
        ) : (
          <span className="chip faint" title="not strict: agent_started first, agent_completed last, every tool call answered">
            lenient
          </span>
        )}
      </td>
      <td className="num">{runs > 0 ? fmtInt(runs) : <span className="faint">0</span>}</td>
      <td className={`num${failed > 0 ? " err-text" : " muted"}`} title={`${fmtInt(failed)} of ${fmtInt(runs)} runs failed`}>
        {runs > 0 ? `${fmtPct(failed / runs)}` : "–"}
        {failed > 0 ? <span className="faint"> ({fmtInt(failed)})</span> : null}
      </td>
      <td className="num">{runs > 0 ? fmtMs(a.stats.p50_ms) : "–"}</td>
      <td className="num">{runs > 0 ? fmtMs(a.stats.p99_ms) : "–"}</td>
      <td className="num" data-testid="agents-ttft">
        {a.stats.ttft_p50_ms !== null ? fmtMs(a.stats.ttft_p50_ms) : <span className="faint">–</span>}
      </td>
      <td>
        <IgnoredEvents counts={a.stats.ignored_events} external={a.kind !== "builtin"} />
      </td>
    </tr>
  );
}

/** The AG-UI events an agent sent that map to no run event: the most frequent first, the rest on hover. */
function IgnoredEvents({ counts, external }: { counts: Record<string, number>; external: boolean }) {
  const entries = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  if (entries.length === 0) return <span className="faint">{external ? "none" : "–"}</span>;
  const shown = entries.slice(0, IGNORED_SHOWN);
  const rest = entries.length - shown.length;
  return (
    <span
      className="chips"
      style={{ flexWrap: "nowrap" }}
      data-testid="agents-ignored"
      title={entries.map(([t, n]) => `${t}: ${fmtInt(n)}`).join("\n")}
    >
      {shown.map(([t, n]) => (
        <span key={t} className="chip">
          {t} <span className="muted">&nbsp;{fmtInt(n)}</span>
        </span>
      ))}
      {rest > 0 ? <span className="chip faint">+{rest}</span> : null}
    </span>
  );
}
