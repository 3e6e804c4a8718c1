import { Fragment } from "react";
import type { DiffEntry, ReplayDiff } from "@/lib/api";

function brief(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "object") return String(v);
  const o = v as Record<string, unknown>;
  const payload = "payload" in o ? o.payload : o;
  const s = JSON.stringify(payload);
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
}

function seqOf(v: unknown): string {
  if (v && typeof v === "object" && "seq" in v) {
    const s = (v as { seq?: unknown }).seq;
    if (typeof s === "number") return `#${s} `;
  }
  return "";
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? "undefined";
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/** Field changes come as {path, recorded, replayed}; anything else is shown as JSON. */
function changeLine(x: unknown): string {
  if (typeof x === "string") return x;
  if (x && typeof x === "object" && "path" in x) {
    const c = x as { path: unknown; recorded?: unknown; replayed?: unknown };
    return `${String(c.path)}: ${show(c.recorded)} → ${show(c.replayed)}`;
  }
  return JSON.stringify(x);
}

function changesText(c: unknown): string[] {
  if (c === undefined || c === null) return [];
  if (Array.isArray(c)) return c.map(changeLine);
  if (typeof c === "object") return Object.entries(c as Record<string, unknown>).map(([k, v]) => `${k}: ${show(v)}`);
  return [String(c)];
}

function timing(e: DiffEntry): string | null {
  const d = (e as { timing_delta_ms?: unknown }).timing_delta_ms;
  if (typeof d !== "number" || Math.abs(d) < 1) return null;
  return `${d > 0 ? "+" : ""}${Math.round(d)} ms`;
}

function Cell({ e, side }: { e: DiffEntry; side: "recorded" | "replayed" }) {
  const present = side === "recorded" ? e.status !== "extra" : e.status !== "missing";
  if (!present) return <span className="empty-cell">{side === "recorded" ? "not in the recording" : "not in the replay"}</span>;
  const v = side === "recorded" ? e.recorded : e.replayed;
  return (
    <>
      <div className="mono" style={{ color: "var(--text-strong)" }}>
        {seqOf(v)}
        {e.type}
        {side === "replayed" && timing(e) ? <span className="faint"> ({timing(e)} vs recorded)</span> : null}
      </div>
      {v !== undefined ? (
        <div className="mono faint ellipsis" title={JSON.stringify(v)}>
          {brief(v)}
        </div>
      ) : null}
    </>
  );
}

/** Recorded and replayed events side by side; missing, extra and changed entries highlighted. */
export function ReplayDiffView({ diff }: { diff: ReplayDiff }) {
  const counts = { same: 0, missing: 0, extra: 0, changed: 0 };
  for (const e of diff.entries) counts[e.status]++;
  return (
    <div data-testid="replay-diff">
      <div className="filters" style={{ padding: "8px 12px" }}>
        <span className="badge outline">{counts.same} same</span>
        <span className="badge err">{counts.missing} missing</span>
        <span className="badge ok">{counts.extra} extra</span>
        <span className="badge warn">{counts.changed} changed</span>
        <span className="toolbar-note">
          {diff.first_divergence === null
            ? "no divergence: the replay matches the recording"
            : `first divergence at entry ${diff.first_divergence + 1}`}
        </span>
      </div>
      <div className="diff">
        <div className="dh">#</div>
        <div className="dh">recorded</div>
        <div className="dh">replayed</div>
        {diff.entries.map((e, i) => {
          const cls = `${e.status === "same" ? "" : `d-${e.status}`}${i === diff.first_divergence ? " d-first" : ""}`;
          const changes = e.status === "changed" ? changesText(e.changes) : [];
          return (
            <Fragment key={i}>
              <div className={`${cls} mono faint`} data-testid="diff-entry" data-status={e.status}>
                {i + 1}
              </div>
              <div className={cls}>
                <Cell e={e} side="recorded" />
              </div>
              <div className={cls}>
                <Cell e={e} side="replayed" />
                {changes.length ? (
                  <div className="mono" style={{ color: "var(--warn)", fontSize: 11 }}>
                    {changes.map((c, j) => (
                      <div key={j}>Δ {c}</div>
                    ))}
                  </div>
                ) : null}
              </div>
            </Fragment>
          );
        })}
      </div>
    </div>
  );
}
