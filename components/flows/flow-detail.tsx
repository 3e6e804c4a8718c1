import Link from "next/link";
import { memo } from "react";
import type { TraceKind } from "@/contract/trace";
import type { FlowGroup } from "@/lib/flow-groups";
import { fmtClock, fmtMs, fmtSpan, shortId } from "@/lib/format";
import { Empty } from "@/components/ui/states";

const KIND_CLASS: Partial<Record<TraceKind, string>> = {
  received: "k-received",
  routed: "k-received",
  handler_started: "k-handler",
  handler_finished: "k-handler",
  handler_failed: "k-bad",
  emitted: "k-emitted",
  delivered: "k-delivered",
  undelivered: "k-bad",
  rejected: "k-bad",
  isolation_violation: "k-bad",
};

/** Every step of one chain, with offsets from the first, for the selected row. */
export const FlowDetail = memo(
  FlowDetailInner,
  // Rebuilt groups are new objects; only a chain that gained steps needs redrawing.
  (a, b) => a.g?.trace_id === b.g?.trace_id && a.g?.events.length === b.g?.events.length,
);

function FlowDetailInner({ g }: { g: FlowGroup | null }) {
  if (!g) return <Empty compact>This chain has left the tail (it keeps the last 2,000 events).</Empty>;
  return (
    <div data-testid="flow-detail">
      <dl className="kv">
        <dt>trace</dt>
        <dd className="mono" title={g.trace_id}>
          {g.trace_id}
        </dd>
        <dt>user</dt>
        <dd className="mono">{g.user_id ?? "–"}</dd>
        <dt>type</dt>
        <dd className="mono">{g.message_type ?? "–"}</dd>
        <dt>handler</dt>
        <dd>{g.handler ?? "–"}</dd>
        <dt>run</dt>
        <dd className="mono">{g.run_id ? <Link href={`/sessions/${encodeURIComponent(g.run_id)}`}>{g.run_id}</Link> : "–"}</dd>
        <dt>node</dt>
        <dd className="mono">{g.node_id}</dd>
        <dt>span</dt>
        <dd>
          {fmtMs(g.last_ts - g.first_ts)} · {g.events.length} steps
        </dd>
        {g.error ? (
          <>
            <dt>error</dt>
            <dd className="err-text">
              <span className="mono">{g.error.code}</span> {g.error.message}
            </dd>
          </>
        ) : null}
      </dl>
      <div className="detail-list" style={{ maxHeight: 380, overflowY: "auto" }}>
        {g.events.map((e) => (
          <div className="detail-item" key={e.id}>
            <span className="mono faint num">+{fmtSpan(e.ts - g.first_ts)}</span>
            <span>
              <span className={`step ${KIND_CLASS[e.kind] ?? "k-other"}`}>{e.kind}</span>
            </span>
            <span className="mono ellipsis" title={JSON.stringify(e)}>
              {[
                e.message_type,
                e.connection_id ? `→ ${shortId(e.connection_id, 9)}` : null,
                e.duration_ms !== undefined ? fmtMs(e.duration_ms) : null,
                e.error ? `${e.error.code}: ${e.error.message}` : null,
              ]
                .filter(Boolean)
                .join("  ") || <span className="faint">{fmtClock(e.ts)}</span>}
            </span>
          </div>
        ))}
      </div>
    </div>
  );
}
