"use client";

import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useEffect, useMemo, useState } from "react";
import { useThrottled } from "@/lib/use-throttled";
import { PageHead } from "@/components/ui/page-head";
import { EmptyTraffic, Empty } from "@/components/ui/states";
import { api } from "@/lib/api";
import { buildFlowGraph, EMPTY_FLOW_FILTER, groupTraces, matchGroup, type FlowFilter } from "@/lib/flow-groups";
import { fmtInt } from "@/lib/format";
import { useInspector, useTraceTail } from "@/lib/inspector";
import type { TailSnapshot } from "@/lib/trace-tail";
import { queryKeys } from "@/lib/query-keys";
import { FlowDetail } from "./flow-detail";
import { FlowFilters } from "./flow-filters";
import { FlowGraph } from "./flow-graph";
import { FlowTail } from "./flow-tail";

/** Looks like a whole id (no spaces, long enough) rather than a half-typed prefix. */
function serverSide(v: string): string | undefined {
  const t = v.trim();
  return t.length >= 3 && !/\s/.test(t) ? t : undefined;
}

export function FlowsView() {
  const { paused, pause, resume, subscribe, tail, status } = useInspector();
  const live = useTraceTail();
  const [filter, setFilter] = useState<FlowFilter>(EMPTY_FLOW_FILTER);
  const [selected, setSelected] = useState<string | null>(null);
  const [frozen, setFrozen] = useState<TailSnapshot | null>(null);
  const handlers = useQuery({ queryKey: queryKeys.handlers(), queryFn: api.handlers, staleTime: 30_000 });
  // The transport filter needs each connection's transport: known for the open ones.
  const connections = useQuery({
    queryKey: queryKeys.connections(),
    queryFn: api.connections,
    refetchInterval: 2_000,
    enabled: filter.transport !== "",
  });
  const transportOf = useMemo(() => {
    const byId = new Map((connections.data ?? []).map((c) => [c.connection_id, c.transport]));
    return (id: string) => byId.get(id);
  }, [connections.data]);

  // While paused the view holds still even if a batch was already in flight.
  const snap = paused && frozen ? frozen : live;
  const togglePause = () => {
    if (paused) {
      setFrozen(null);
      resume();
    } else {
      setFrozen(live);
      pause();
    }
  };

  // User and run go to the server (after a pause in typing) so a busy system still fills the tail
  // with the chains asked for; the other filters are applied here, to whole chains.
  useEffect(() => {
    const id = setTimeout(() => subscribe({ user_id: serverSide(filter.user_id), run_id: serverSide(filter.run_id) }), 500);
    return () => clearTimeout(id);
  }, [filter.user_id, filter.run_id, subscribe]);

  // Leaving the page restores the full, running stream for the rest of the console.
  useEffect(
    () => () => {
      subscribe({});
      resume();
    },
    [subscribe, resume],
  );

  // Rendering the tail may lag a flush behind; typing in the filters never waits for it.
  const deferred = useDeferredValue(snap);
  const groups = useMemo(() => groupTraces(deferred.events), [deferred]);
  const visible = useMemo(() => groups.filter((g) => matchGroup(g, filter, transportOf)), [groups, filter, transportOf]);
  // The picture changes slowly; redrawing it once a second is plenty.
  const graphSource = useThrottled(visible, 1000);
  const graph = useMemo(() => buildFlowGraph(graphSource), [graphSource]);
  const selectedGroup = useMemo(
    () => visible.find((g) => g.trace_id === selected) ?? groups.find((g) => g.trace_id === selected) ?? null,
    [visible, groups, selected],
  );
  const types = useMemo(() => (handlers.data ?? []).map((h) => h.type), [handlers.data]);
  const filtered = Object.values(filter).some((v) => v !== "");

  return (
    <div className="stack">
      <PageHead
        title="Live message flow"
        sub="Every inbound message as a chain: received → handler → events → delivered, grouped by trace."
        actions={
          <>
            <span className="toolbar-note" data-testid="flows-counters">
              {fmtInt(visible.length)} chains · {fmtInt(snap.events.length)} events in tail · {fmtInt(snap.received)} received
              {snap.dropped > 0 ? (
                <span title="The server sends each console a capped share of live trace events (INSPECTOR_MAX_EVENTS_PER_S); every event is still stored and searchable in traces.">
                  {" "}
                  · {fmtInt(snap.dropped)} over the live cap, not shown
                </span>
              ) : null}
            </span>
            <button
              type="button"
              className={`btn${paused ? " primary" : ""}`}
              data-testid="flows-pause"
              aria-pressed={paused}
              onClick={togglePause}
            >
              {paused ? "▶ Resume" : "❚❚ Pause"}
            </button>
            <button type="button" className="btn ghost" data-testid="flows-clear" onClick={() => tail.clear()}>
              Clear
            </button>
          </>
        }
      />
      <section className="panel">
        <div className="panel-head">
          <FlowFilters value={filter} onChange={setFilter} types={types} />
          <span className="pill-live" data-testid="flows-live-state" data-paused={paused}>
            <span className={`dot ${paused ? "warn" : status === "live" ? "live" : "err"}`} />
            {paused ? "paused" : status === "live" ? "live" : status}
          </span>
        </div>
        {/* The chain panel only takes room once a row is picked: the tail needs the width. */}
        <div className={`flows-layout${selected ? " has-detail" : ""}`}>
          <div style={{ minWidth: 0 }}>
            {visible.length === 0 ? (
              snap.events.length === 0 ? (
                <EmptyTraffic what={status === "live" ? "Waiting for traffic…" : "Connecting to the inspector…"} />
              ) : (
                <Empty>No chain in the tail matches these filters{filtered ? "" : " yet"}.</Empty>
              )
            ) : (
              <FlowTail groups={visible} selected={selected} onSelect={setSelected} />
            )}
          </div>
          {selected ? (
            <aside className="flows-aside">
              <div className="panel-head">
                <h2>Chain</h2>
                <button type="button" className="btn ghost small" data-testid="flow-detail-close" onClick={() => setSelected(null)}>
                  Close
                </button>
              </div>
              <FlowDetail g={selectedGroup} />
            </aside>
          ) : null}
        </div>
      </section>
      <section className="panel">
        <div className="panel-head">
          <h2>Flow view</h2>
          <span className="hint">message type → handler → event types, counted over the chains shown above</span>
        </div>
        <div className="panel-body">
          {graph.types.length === 0 ? <Empty compact>No routed messages in the tail.</Empty> : <FlowGraph graph={graph} />}
        </div>
      </section>
    </div>
  );
}
