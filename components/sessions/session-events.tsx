"use client";

import { Fragment, useState } from "react";
import type { SessionDelivery, SessionEvent, SessionInbound } from "@/contract/sessions";
import { fmtSpan } from "@/lib/format";
import { CHUNK_TYPE, type SessionAnalysis } from "@/lib/session-analysis";
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

/** A row of the events table: one event, or a run of consecutive chunks folded into one row. */
type Item = { kind: "event"; e: SessionEvent; i: number } | { kind: "chunks"; list: SessionEvent[]; i: number };

/** Consecutive `agent_response_chunk` events become one item: a run may send hundreds of them. */
function itemsOf(events: readonly SessionEvent[]): Item[] {
  const items: Item[] = [];
  for (const [i, e] of events.entries()) {
    const last = items.at(-1);
    if (e.type === CHUNK_TYPE && last?.kind === "chunks") last.list.push(e);
    else if (e.type === CHUNK_TYPE) items.push({ kind: "chunks", list: [e], i });
    else items.push({ kind: "event", e, i });
  }
  return items;
}

/** Chunk rows shown when a folded group is opened; the rest is summarised. */
const CHUNKS_SHOWN = 300;

const isBad = (e: SessionEvent) => e.deliveries.length === 0 || e.deliveries.some((d) => !d.delivered && !d.recovered);

/** Per connection: how many of a group's chunks were written to it, and how many were not. */
function GroupDeliveries({ list }: { list: SessionEvent[] }) {
  const per = new Map<string, { ok: number; bad: number }>();
  let none = 0;
  for (const e of list) {
    if (e.deliveries.length === 0) none++;
    for (const d of e.deliveries) {
      const c = per.get(d.connection_id) ?? { ok: 0, bad: 0 };
      if (d.delivered || d.recovered) c.ok++;
      else c.bad++;
      per.set(d.connection_id, c);
    }
  }
  return (
    <span className="chips">
      {none > 0 ? <span className="chip err">✗ {none} with no open connection</span> : null}
      {[...per].map(([id, c]) => (
        <span key={id} className={`chip${c.bad > 0 ? " err" : ""}`} title={id}>
          {c.bad > 0 ? `✗ ${id.slice(0, 10)} ${c.bad} of ${c.ok + c.bad} undelivered` : `✓ ${id.slice(0, 10)} ×${c.ok}`}
        </span>
      ))}
    </span>
  );
}

function EventName({ type, suffix }: { type: string; suffix?: string }) {
  return (
    <>
      <span className="dot" style={{ display: "inline-block", background: eventColor(type), marginRight: 6, borderRadius: 2 }} />
      <span className={`mono${type === "agent_error" ? " err-text" : ""}`}>{type}</span>
      {suffix ? <span className="muted mono"> {suffix}</span> : null}
    </>
  );
}

/**
 * The run's events in order, with missing seq numbers shown where they should have been. Consecutive
 * chunks are one row (their deltas joined), opened on click.
 */
export function SessionEvents({ a }: { a: SessionAnalysis }) {
  const [open, setOpen] = useState<number | null>(null);
  const missing = new Set(a.missingSeq);
  const gapBefore = new Set(a.gaps.map((g) => g.before));
  let prev = 0;
  let expectSeq = 1;
  /** The missing seq numbers below `upTo` not reported yet. */
  const holesUpTo = (upTo: number): number[] => {
    const holes: number[] = [];
    for (let n = expectSeq; n < upTo; n++) if (missing.has(n)) holes.push(n);
    expectSeq = Math.max(expectSeq, upTo + 1);
    return holes;
  };
  const holeRows = (holes: number[]) =>
    holes.map((n) => (
      <tr key={`hole-${n}`} className="danger" data-testid="missing-seq">
        <td className="num mono err-text">{n}</td>
        <td colSpan={5} className="err-text">
          seq {n} never arrived (dropped event)
        </td>
      </tr>
    ));
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
        {itemsOf(a.events).map((item) => {
          if (item.kind === "chunks") {
            const { list, i } = item;
            const first = list[0]!;
            const last = list.at(-1)!;
            const seqs = list.map((e) => e.seq).filter((n): n is number => typeof n === "number");
            const lo = seqs.length > 0 ? Math.min(...seqs) : null;
            const hi = seqs.length > 0 ? Math.max(...seqs) : null;
            const before = lo !== null ? holesUpTo(lo) : [];
            const inside = hi !== null ? holesUpTo(hi) : [];
            const delta = first.emitted_at_ms - prev;
            prev = last.emitted_at_ms;
            const isGap = list.some((_, k) => gapBefore.has(i + k));
            const text = list.map((e) => (typeof e.payload.delta === "string" ? e.payload.delta : "")).join("");
            const bad = list.some(isBad);
            const isOpen = open === i;
            return (
              <Fragment key={i}>
                {holeRows(before)}
                <tr
                  className={`clickable${bad ? " danger" : ""}`}
                  onClick={() => setOpen(isOpen ? null : i)}
                  data-testid="session-event-row"
                  data-type={CHUNK_TYPE}
                  data-chunks={list.length}
                  aria-expanded={isOpen}
                >
                  <td className="num mono nowrap">{lo === null ? "–" : lo === hi ? lo : `${lo}–${hi}`}</td>
                  <td className="nowrap">
                    <EventName type={CHUNK_TYPE} suffix={`×${list.length}`} />
                  </td>
                  <td className="num mono nowrap">
                    +{fmtSpan(first.emitted_at_ms)}
                    {list.length > 1 ? <span className="faint"> → {fmtSpan(last.emitted_at_ms)}</span> : null}
                  </td>
                  <td className={`num mono${isGap ? " err-text" : " muted"}`}>
                    {isGap ? "gap " : ""}
                    {fmtSpan(delta)}
                  </td>
                  <td>
                    <GroupDeliveries list={list} />
                  </td>
                  <td className="muted ellipsis" style={{ maxWidth: 420 }} title={text}>
                    {isOpen ? "▾ " : "▸ "}“{text.length > 140 ? `${text.slice(0, 139)}…` : text}”
                  </td>
                </tr>
                {isOpen ? <ChunkRows list={list} /> : null}
                {holeRows(inside)}
              </Fragment>
            );
          }
          const { e, i } = item;
          const holes = typeof e.seq === "number" ? holesUpTo(e.seq) : [];
          const delta = e.emitted_at_ms - prev;
          prev = e.emitted_at_ms;
          const isGap = gapBefore.has(i);
          const bad = e.type === "agent_error" || isBad(e);
          return (
            <Fragment key={i}>
              {holeRows(holes)}
              <tr
                className={`clickable${bad ? " danger" : ""}`}
                onClick={() => setOpen(open === i ? null : i)}
                data-testid="session-event-row"
                data-type={e.type}
              >
                <td className="num mono">{e.seq ?? "–"}</td>
                <td className="nowrap">
                  <EventName type={e.type} />
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

/** The chunks of an opened group, one compact row each (the first few hundred). */
function ChunkRows({ list }: { list: SessionEvent[] }) {
  let prev = list[0]?.emitted_at_ms ?? 0;
  return (
    <>
      {list.slice(0, CHUNKS_SHOWN).map((e, k) => {
        const delta = e.emitted_at_ms - prev;
        prev = e.emitted_at_ms;
        return (
          <tr key={k} className={`sub${isBad(e) ? " danger" : ""}`} data-testid="session-chunk-row">
            <td className="num mono faint">{e.seq ?? "–"}</td>
            <td className="mono faint">chunk</td>
            <td className="num mono faint">+{fmtSpan(e.emitted_at_ms)}</td>
            <td className="num mono faint">{fmtSpan(delta)}</td>
            <td>
              <span className="chips">
                {e.deliveries.length === 0 ? (
                  <span className="chip err">✗ no open connection</span>
                ) : e.deliveries.every((d) => d.delivered && !d.recovered) ? (
                  <span className="faint" title={e.deliveries.map((d) => d.connection_id).join("\n")}>
                    ✓ {e.deliveries.length === 1 ? "delivered" : `delivered to ${e.deliveries.length}`}
                  </span>
                ) : (
                  e.deliveries.map((d) => <DeliveryChip key={d.connection_id} d={d} />)
                )}
              </span>
            </td>
            <td className="mono ellipsis" style={{ maxWidth: 420 }}>
              {JSON.stringify(e.payload.delta)}
            </td>
          </tr>
        );
      })}
      {list.length > CHUNKS_SHOWN ? (
        <tr className="sub">
          <td />
          <td colSpan={5} className="muted">
            … {list.length - CHUNKS_SHOWN} more chunks; the whole text is in the response panel above.
          </td>
        </tr>
      ) : null}
    </>
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
