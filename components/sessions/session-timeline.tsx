import type { ReactNode } from "react";
import type { SessionDetail, SessionEvent } from "@/contract/sessions";
import { fmtSpan } from "@/lib/format";
import { CHUNK_TYPE, ticks, type SessionAnalysis } from "@/lib/session-analysis";
import { EVENT_COLORS, eventColor } from "./event-colors";

function pct(ms: number, span: number): string {
  return `${Math.min(100, Math.max(0, (ms / span) * 100)).toFixed(3)}%`;
}

/** Minimum distance between two markers, in % of the track. */
const MIN_SEP = 1.4;

/**
 * Positions (in %) for markers sorted by time, nudged apart so events emitted in the same
 * millisecond stay visible and in order; the tooltip keeps the true time.
 */
function dodge(times: readonly number[], span: number): number[] {
  const pos = times.map((t) => Math.min(100, Math.max(0, (t / span) * 100)));
  for (let i = 1; i < pos.length; i++) pos[i] = Math.max(pos[i] ?? 0, (pos[i - 1] ?? 0) + MIN_SEP);
  for (let i = pos.length - 1; i >= 0; i--) {
    const limit = i === pos.length - 1 ? 100 : (pos[i + 1] ?? 100) - MIN_SEP;
    pos[i] = Math.max(0, Math.min(pos[i] ?? 0, limit));
  }
  return pos;
}

/** Chunk ticks closer than this (in % of the track) share one tick: a lane holds at most ~1000 of them. */
const TICK_SLOT = 0.1;

/** One thin tick per chunk, merged where they would overlap; `bad` ticks are never merged away. */
function chunkTicks(chunks: readonly SessionEvent[], span: number, bad: (e: SessionEvent) => boolean, key: string) {
  const seen = new Set<number>();
  const out: ReactNode[] = [];
  for (const [i, c] of chunks.entries()) {
    const isBad = bad(c);
    const slot = Math.round(((c.emitted_at_ms / span) * 100) / TICK_SLOT);
    if (!isBad && seen.has(slot)) continue;
    seen.add(slot);
    out.push(
      <span
        key={`${key}-${i}`}
        className={`tl-chunk${isBad ? " undelivered" : ""}`}
        data-testid={isBad ? "timeline-undelivered" : "timeline-chunk"}
        style={{ left: pct(c.emitted_at_ms, span) }}
        title={`${CHUNK_TYPE}${c.seq ? ` #${c.seq}` : ""} at +${fmtSpan(c.emitted_at_ms)}${isBad ? ": NOT delivered" : ""}`}
      />,
    );
  }
  return out;
}

/**
 * Inbound messages and the run's events on one time axis: a lane for what the client sent, one for
 * what the run emitted, one for its streamed text (a band of thin ticks, one per chunk, however many),
 * and one per connection showing what was written to it. Gaps are hatched, undelivered writes crossed
 * out, recovered ones outlined.
 */
export function SessionTimeline({ s, a }: { s: SessionDetail; a: SessionAnalysis }) {
  // A little headroom so the last marker is not cut in half by the edge.
  const span = a.span_ms * 1.04;
  // Chunks are drawn as ticks at their true time; only the other events get a (dodged) marker each.
  const marked = a.events.filter((e) => e.type !== CHUNK_TYPE);
  const chunks = a.stream?.chunks ?? [];
  const at = dodge(
    marked.map((e) => e.emitted_at_ms),
    span,
  ).map((p) => `${p.toFixed(3)}%`);
  const firstInbound = s.inbound.length > 0 ? Math.min(...s.inbound.map((m) => m.at_ms)) : 0;
  const inboundAt = dodge(
    s.inbound.map((m) => m.at_ms),
    span,
  ).map((p) => `${p.toFixed(3)}%`);
  const gapBoxes = a.gaps.map((g, i) => (
    <div
      key={`gap-${i}`}
      className="tl-gap"
      data-testid="timeline-gap"
      style={{ left: pct(g.from_ms, span), width: pct(g.to_ms - g.from_ms, span) }}
      title={`gap of ${fmtSpan(g.to_ms - g.from_ms)}`}
    />
  ));
  return (
    <div className="timeline" data-testid="session-timeline">
      <div className="tl-axis">
        <div className="tl-label">t from session start</div>
        <div className="tl-track">
          {ticks(span).map((t) => (
            <span key={t} className="tl-tick" style={{ left: pct(t, span) }}>
              {fmtSpan(t)}
            </span>
          ))}
        </div>
      </div>
      <div className="tl-lane" data-testid="timeline-lane-inbound">
        <div className="tl-label">inbound (client → server)</div>
        <div className="tl-track">
          {s.inbound.map((m, i) => (
            <span
              key={i}
              className="tl-mark inbound"
              style={{ left: inboundAt[i] }}
              title={`${m.type} at +${fmtSpan(m.at_ms)}\n${m.message_id}`}
            />
          ))}
        </div>
      </div>
      <div className="tl-lane" data-testid="timeline-lane-run">
        <div className="tl-label">run (emitted)</div>
        <div className="tl-track">
          {gapBoxes}
          {marked.map((e, i) => (
            <span
              key={i}
              className="tl-mark"
              data-type={e.type}
              style={{ left: at[i], background: eventColor(e.type) }}
              title={`${e.type}${e.seq ? ` #${e.seq}` : ""} at +${fmtSpan(e.emitted_at_ms)}`}
            />
          ))}
        </div>
      </div>
      {a.stream ? (
        <div className="tl-lane" data-testid="timeline-lane-stream">
          <div className="tl-label" title="agent_response_chunk events, one tick each; the dashed line is the time to first token">
            stream · {chunks.length} chunk{chunks.length === 1 ? "" : "s"}
          </div>
          <div className="tl-track">
            {s.ttft_ms !== null ? (
              <span
                className="tl-ttft"
                data-testid="timeline-ttft"
                style={{ left: pct(firstInbound, span), width: pct(a.stream.first_ms - firstInbound, span) }}
                title={`time to first token: ${fmtSpan(s.ttft_ms)}`}
              />
            ) : null}
            <span
              className="tl-band"
              style={{ left: pct(a.stream.first_ms, span), width: pct(a.stream.last_ms - a.stream.first_ms, span) }}
              title={`${chunks.length} chunks from +${fmtSpan(a.stream.first_ms)} to +${fmtSpan(a.stream.last_ms)}`}
            />
            {chunkTicks(chunks, span, () => false, "run")}
          </div>
        </div>
      ) : null}
      {a.connections.length === 0 ? (
        <div className="tl-lane">
          <div className="tl-label err-text">no open connection</div>
          <div className="tl-track">{gapBoxes}</div>
        </div>
      ) : (
        a.connections.map((c) => (
          <div className="tl-lane" key={c} data-testid="timeline-lane-connection">
            <div className="tl-label mono" title={c}>
              {c}
            </div>
            <div className="tl-track">
              {gapBoxes}
              {chunks.length > 0 ? (
                <span
                  className="tl-band faint-band"
                  style={{
                    left: pct(a.stream?.first_ms ?? 0, span),
                    width: pct((a.stream?.last_ms ?? 0) - (a.stream?.first_ms ?? 0), span),
                  }}
                />
              ) : null}
              {chunkTicks(
                chunks.filter((e) => e.deliveries.some((x) => x.connection_id === c)),
                span,
                (e) => e.deliveries.some((x) => x.connection_id === c && !x.delivered && !x.recovered),
                c,
              )}
              {marked.map((e, i) => {
                const d = e.deliveries.find((x) => x.connection_id === c);
                if (!d) return null;
                const cls = d.delivered ? (d.recovered ? " recovered" : "") : d.recovered ? " recovered" : " undelivered";
                const state = d.delivered
                  ? d.recovered
                    ? "delivered (recovered)"
                    : "delivered"
                  : d.recovered
                    ? "recovered"
                    : "NOT delivered";
                return (
                  <span
                    key={i}
                    className={`tl-mark${cls}`}
                    data-testid={!d.delivered && !d.recovered ? "timeline-undelivered" : undefined}
                    style={{ left: at[i], background: eventColor(e.type) }}
                    title={`${e.type}${e.seq ? ` #${e.seq}` : ""}: ${state}${d.acknowledged ? ", acknowledged" : ""}`}
                  />
                );
              })}
            </div>
          </div>
        ))
      )}
      <div className="legend" style={{ marginTop: 10 }}>
        <span>
          <i style={{ background: "var(--accent)", borderRadius: "50%" }} /> inbound
        </span>
        {Object.entries(EVENT_COLORS).map(([t, c]) =>
          t === CHUNK_TYPE && chunks.length === 0 ? null : (
            <span key={t}>
              <i style={t === CHUNK_TYPE ? { background: c, width: 3, borderRadius: 0 } : { background: c }} /> {t}
            </span>
          ),
        )}
        {a.stream && s.ttft_ms !== null ? (
          <span>
            <i style={{ borderTop: "2px dashed var(--chunk)", height: 0, borderRadius: 0 }} /> time to first token
          </span>
        ) : null}
        <span>
          <i style={{ border: "2px solid var(--err)" }} /> undelivered
        </span>
        <span>
          <i style={{ outline: "2px dashed var(--warn)", outlineOffset: 1 }} /> recovered
        </span>
        <span>
          <i
            style={{
              background: "repeating-linear-gradient(135deg, var(--err-soft) 0 3px, transparent 3px 6px)",
              border: "1px solid var(--err)",
            }}
          />{" "}
          gap
        </span>
      </div>
    </div>
  );
}
