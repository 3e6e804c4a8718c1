import type { SessionDetail } from "@/contract/sessions";
import { fmtSpan } from "@/lib/format";
import { ticks, type SessionAnalysis } from "@/lib/session-analysis";
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

/**
 * Inbound messages and the run's events on one time axis: a lane for what the client sent, one for
 * what the run emitted, and one per connection showing what was written to it. Gaps are hatched,
 * undelivered writes crossed out, recovered ones outlined.
 */
export function SessionTimeline({ s, a }: { s: SessionDetail; a: SessionAnalysis }) {
  // A little headroom so the last marker is not cut in half by the edge.
  const span = a.span_ms * 1.04;
  const at = dodge(
    a.events.map((e) => e.emitted_at_ms),
    span,
  ).map((p) => `${p.toFixed(3)}%`);
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
          {a.events.map((e, i) => (
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
              {a.events.map((e, i) => {
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
        {Object.entries(EVENT_COLORS).map(([t, c]) => (
          <span key={t}>
            <i style={{ background: c }} /> {t}
          </span>
        ))}
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
