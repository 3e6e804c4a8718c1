"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { fmtAgainst } from "@/components/alerts/alert-figures";
import { api } from "@/lib/api";
import { fmtAgo } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { useNow } from "@/lib/use-now";

/** How often every page asks whether an alert fires. */
const POLL_MS = 3000;
/** Alerts named in the banner; the rest are counted. */
const NAMED = 3;
const FIRING = { state: "firing", limit: 50 } as const;

/** Shown on every console page while an alert fires (GET /api/alerts?state=firing), gone once all resolve. */
export function AlertBanner() {
  const firing = useQuery({ queryKey: queryKeys.alerts(FIRING), queryFn: () => api.alerts(FIRING), refetchInterval: POLL_MS });
  const now = useNow(1000);
  const list = firing.data ?? [];
  if (list.length === 0) return null;
  const rest = list.length - NAMED;
  return (
    <div className="banner err" role="alert" data-testid="alert-banner" style={{ marginBottom: 14, flexWrap: "wrap" }}>
      <span className="dot err" />
      <strong>{list.length === 1 ? "1 alert firing" : `${list.length} alerts firing`}</strong>
      {list.slice(0, NAMED).map((a) => (
        <span key={a.id} className="nowrap" data-testid="alert-banner-item" data-name={a.name}>
          <span className="mono" style={{ color: "var(--text-strong)" }}>
            {a.name}
          </span>{" "}
          <span className="muted">
            {a.kind !== a.name ? `${a.kind} · ` : ""}
            {fmtAgainst(a)} · {fmtAgo(a.started_at, now)}
          </span>
        </span>
      ))}
      {rest > 0 ? <span className="muted">+{rest} more</span> : null}
      <Link href="/alerts" style={{ marginLeft: "auto" }} data-testid="alert-banner-link">
        View alerts →
      </Link>
    </div>
  );
}
