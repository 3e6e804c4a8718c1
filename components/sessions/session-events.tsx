"use client";

import { Fragment, useState } from "react";
import type { SessionDelivery, SessionInbound } from "@/contract/sessions";
import { fmtSpan } from "@/lib/format";
import type { SessionAnalysis } from "@/lib/session-analysis";
import { eventColor } from "./event-colors";

function summary(payload: Record<string, unknown>): string {
  const s = JSON.stringify(payload);
  return s.length > 140 ? `${s.slice(0, 139)}…` : s;
}

function DeliveryChip({ d }: { d: SessionDelivery }) {
  const ok = d.delivered || d.recovered;
  const label = `${d.delivered ? "✓" : d.recovered ? "↺" : "✗"} ${d.connection_id.slice(0, 10)}${d.recovered ? " recovered" : ""}${d.acknowledged ? " ack" : ""}`;
  return (
    <span className={`chip${ok ? "" : " err"}${d.recovered ? " warn" : ""}`} title={d.connection_id}>
      {label}
    </span>
  );
}

/** The run's events in order, with missing seq numbers shown where they should have been. */
export function SessionEvents({ a }: { a: SessionAnalysis }) {
  const [open, setOpen] = useState<number | null>(null);
  const missing = new Set(a.missingSeq);
  let prev = 0;
  let expectSeq = 1;
  return (
    <table className="table" data-testid="session-events">
      <thead>
        <tr>
          <th className="num">seq</th>
          <th>event</th>
          <th className="num">at</th>
          <th className="num">Δ prev</th>
          <th>deliveries</th>
          <th>payload</th>
        </tr>
      </thead>
      <tbody>
        {a.events.map((e, i) => {
          const holes: number[] = [];
          if (typeof e.seq === "number") {
            for (let n = expectSeq; n < e.seq; n++) if (missing.has(n)) holes.push(n);
            expectSeq = Math.max(expectSeq, e.seq + 1);
          }
          const delta = e.emitted_at_ms - prev;
          prev = e.emitted_at_ms;
          const isGap = a.gaps.some((g) => g.before === i);
          const bad = e.type === "agent_error" || e.deliveries.some((d) => !d.delivered && !d.recovered) || e.deliveries.length === 0;
          return (
            <Fragment key={i}>
              {holes.map((n) => (
                <tr key={`hole-${n}`} className="danger" data-testid="missing-seq">
                  <td className="num mono err-text">{n}</td>
                  <td colSpan={5} className="err-text">
                    seq {n} never arrived (dropped event)
                  </td>
                </tr>
              ))}
              <tr
                className={`clickable${bad ? " danger" : ""}`}
                onClick={() => setOpen(open === i ? null : i)}
                data-testid="session-event-row"
                data-type={e.type}
              >
                <td className="num mono">{e.seq ?? "–"}</td>
                <td className="nowrap">
                  <span
                    className="dot"
                    style={{ display: "inline-block", background: eventColor(e.type), marginRight: 6, borderRadius: 2 }}
                  />
                  <span className={`mono${e.type === "agent_error" ? " err-text" : ""}`}>{e.type}</span>
                </td>
                <td className="num mono">+{fmtSpan(e.emitted_at_ms)}</td>
                <td className={`num mono${isGap ? " err-text" : " muted"}`}>
                  {isGap ? "gap " : ""}
                  {fmtSpan(delta)}
                </td>
                <td>
                  <span className="chips">
                    {e.deliveries.length === 0 ? (
                      <span className="chip err">✗ no open connection</span>
                    ) : (
                      e.deliveries.map((d) => <DeliveryChip key={d.connection_id} d={d} />)
                    )}
                  </span>
                </td>
                <td className="mono muted ellipsis" style={{ maxWidth: 420 }}>
                  {summary(e.payload)}
                </td>
              </tr>
              {open === i ? (
                <tr className="sub">
                  <td />
                  <td colSpan={5} style={{ padding: "6px 10px" }}>
                    <pre className="json">{JSON.stringify(e.payload, null, 2)}</pre>
                  </td>
                </tr>
              ) : null}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

export function SessionInboundTable({ inbound }: { inbound: SessionInbound[] }) {
  if (inbound.length === 0) return <div className="state compact">No inbound message recorded.</div>;
  return (
    <table className="table" data-testid="session-inbound">
      <thead>
        <tr>
          <th className="num">at</th>
          <th>type</th>
          <th>message id</th>
          <th>payload</th>
        </tr>
      </thead>
      <tbody>
        {inbound.map((m, i) => (
          <tr key={i}>
            <td className="num mono">+{fmtSpan(m.at_ms)}</td>
            <td className="mono">{m.type}</td>
            <td className="mono muted">{m.message_id}</td>
            <td className="mono muted ellipsis" style={{ maxWidth: 560 }} title={JSON.stringify(m.payload)}>
              {summary(m.payload)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
