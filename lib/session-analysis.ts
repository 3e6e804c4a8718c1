import { GOLDEN_PATH, type GoldenType } from "@/contract/run-events";
import type { SessionDetail, SessionEvent, VerdictReason } from "@/contract/sessions";

/** The server's default GOLDEN_GAP_MS; the real value is not exposed, so a `gap` reason also marks the widest gap. */
export const DEFAULT_GAP_MS = 15_000;

export interface Gap {
  from_ms: number;
  to_ms: number;
  /** Index in the sorted events of the event after the gap. */
  before: number;
}

export interface GoldenStep {
  type: GoldenType;
  first: SessionEvent | null;
  count: number;
}

export interface SessionAnalysis {
  events: SessionEvent[];
  connections: string[];
  span_ms: number;
  gaps: Gap[];
  missingSeq: number[];
  golden: GoldenStep[];
  undelivered: number;
  recovered: number;
  reasonCodes: ReadonlySet<VerdictReason>;
}

/** Everything the timeline marks, derived once from the session detail. */
export function analyseSession(s: SessionDetail): SessionAnalysis {
  const events = [...s.events].sort((a, b) => a.emitted_at_ms - b.emitted_at_ms);
  const connections: string[] = [];
  const seen = new Set<string>();
  let undelivered = 0;
  let recovered = 0;
  for (const e of events) {
    for (const d of e.deliveries) {
      if (!seen.has(d.connection_id)) {
        seen.add(d.connection_id);
        connections.push(d.connection_id);
      }
      if (!d.delivered) undelivered++;
      if (d.recovered) recovered++;
    }
  }
  const reasonCodes = new Set(s.verdict.reasons);

  const gaps: Gap[] = [];
  let widest: Gap | null = null;
  // Like the server's verdict, the first gap is measured from the session start.
  for (let i = 0; i < events.length; i++) {
    const b = events[i];
    if (!b) continue;
    const from = i === 0 ? 0 : (events[i - 1]?.emitted_at_ms ?? 0);
    const g = { from_ms: from, to_ms: b.emitted_at_ms, before: i };
    if (g.to_ms - g.from_ms > DEFAULT_GAP_MS) gaps.push(g);
    if (!widest || g.to_ms - g.from_ms > widest.to_ms - widest.from_ms) widest = g;
  }
  if (gaps.length === 0 && reasonCodes.has("gap") && widest) gaps.push(widest);

  const seqs = events.map((e) => e.seq).filter((n): n is number => typeof n === "number");
  const missingSeq: number[] = [];
  if (seqs.length > 0) {
    const have = new Set(seqs);
    const max = Math.max(...seqs);
    for (let n = 1; n < max; n++) if (!have.has(n)) missingSeq.push(n);
  }

  const golden = GOLDEN_PATH.map((type) => {
    const list = events.filter((e) => e.type === type);
    return { type, first: list[0] ?? null, count: list.length };
  });

  const lastInbound = Math.max(0, ...s.inbound.map((m) => m.at_ms));
  const lastEvent = Math.max(0, ...events.map((e) => e.emitted_at_ms));
  const span_ms = Math.max(lastInbound, lastEvent, s.duration_ms ?? 0, 1);
  return { events, connections, span_ms, gaps, missingSeq, golden, undelivered, recovered, reasonCodes };
}

/** Round tick steps for an axis of `span` ms. */
export function ticks(span: number, target = 6): number[] {
  const raw = span / target;
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t <= span + 1e-9; t += step) out.push(t);
  return out;
}
