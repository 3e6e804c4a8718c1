import { Fragment } from "react";
import {
  DIFF_STATUSES,
  type ComparableEvent,
  type DiffEntry,
  type DiffStatus,
  type FieldChange,
  type ReplayDiff,
} from "@/contract/sessions";

function brief(e: ComparableEvent): string {
  const s = JSON.stringify(e.payload);
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? "undefined";
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

const changeLine = (c: FieldChange): string => `${c.path}: ${show(c.recorded)} → ${show(c.replayed)}`;

function timing(e: DiffEntry): string | null {
  const d = e.timing_delta_ms;
  if (d === undefined || Math.abs(d) < 1) return null;
  return `${d > 0 ? "+" : ""}${Math.round(d)} ms`;
}

const BADGE: Record<DiffStatus, string> = { same: "outline", missing: "err", extra: "ok", changed: "warn" };

function Cell({ e, side }: { e: DiffEntry; side: "recorded" | "replayed" }) {
  const present = side === "recorded" ? e.status !== "extra" : e.status !== "missing";
  if (!present) return <span className="empty-cell">{side === "recorded" ? "not in the recording" : "not in the replay"}</span>;
  const v = side === "recorded" ? e.recorded : e.replayed;
  return (
    <>
      <div className="mono" style={{ color: "var(--text-strong)" }}>
        {v?.seq !== undefined ? `#${v.seq} ` : ""}
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
  const counts = Object.fromEntries(DIFF_STATUSES.map((st) => [st, 0])) as Record<DiffStatus, number>;
  for (const e of diff.entries) counts[e.status]++;
  return (
    <div data-testid="replay-diff">
      <div className="filters" style={{ padding: "8px 12px" }}>
        {DIFF_STATUSES.map((st) => (
          <span key={st} className={`badge ${BADGE[st]}`}>
            {counts[st]} {st}
          </span>
        ))}
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
          const changes = e.status === "changed" ? (e.changes ?? []).map(changeLine) : [];
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
