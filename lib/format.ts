/**
 * Display helpers shared by every page. Times come as the contract types them: ISO 8601 strings from
 * the HTTP API, epoch milliseconds in trace events; null where a time is not known yet (a running
 * session's end).
 */

export function toMs(t: string | number | null | undefined): number | null {
  if (t === null || t === undefined) return null;
  if (typeof t === "number") return Number.isFinite(t) ? t : null;
  const n = Date.parse(t);
  return Number.isNaN(n) ? null : n;
}

const intFmt = new Intl.NumberFormat("en-US");

export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "–" : intFmt.format(Math.round(n));
}

export function fmtRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return n >= 100 ? intFmt.format(Math.round(n)) : n.toFixed(1);
}

export function fmtMs(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  if (n >= 10_000) return `${(n / 1000).toFixed(1)} s`;
  if (n >= 100) return `${Math.round(n)} ms`;
  if (n >= 1) return `${n.toFixed(1)} ms`;
  return `${n.toFixed(2)} ms`;
}

export function fmtPct(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  if (n === 0) return "0%";
  return n < 0.001 ? "<0.1%" : `${(n * 100).toFixed(1)}%`;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** HH:MM:SS.mmm in local time, for trace rows. */
export function fmtClock(t: string | number | null | undefined, withMs = true): string {
  const ms = toMs(t);
  if (ms === null) return "–";
  const d = new Date(ms);
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** "YYYY-MM-DD HH:MM:SS" local time. */
export function fmtDateTime(t: string | number | null | undefined): string {
  const ms = toMs(t);
  if (ms === null) return "–";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${fmtClock(ms, false)}`;
}

/** "12s ago", "4m ago", "3h ago". */
export function fmtAgo(t: string | number | null | undefined, now: number): string {
  const ms = toMs(t);
  if (ms === null) return "–";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** "1m 12s" for a span. */
export function fmtSpan(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
}

/** Long ids stay readable in tight rows: keep the head and the tail. */
export function shortId(id: string | null | undefined, keep = 8): string {
  if (!id) return "–";
  return id.length <= keep * 2 + 1 ? id : `${id.slice(0, keep)}…${id.slice(-4)}`;
}

/** Axis ticks: 0, 0.5, 12, 1.2k; never wider than five characters. */
export function fmtCompact(n: number): string {
  if (!Number.isFinite(n)) return "";
  const a = Math.abs(n);
  if (a >= 1_000_000) return `${+(n / 1_000_000).toFixed(1)}M`;
  if (a >= 1000) return `${+(n / 1000).toFixed(1)}k`;
  return String(+n.toFixed(a < 10 ? 1 : 0));
}

/** Axis ticks for latency: "0.5ms", "12ms", "1.5s". */
export function fmtAxisMs(n: number): string {
  if (!Number.isFinite(n)) return "";
  if (n >= 1000) return `${+(n / 1000).toFixed(1)}s`;
  return `${+n.toFixed(n < 10 ? 1 : 0)}ms`;
}
