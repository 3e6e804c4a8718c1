"use client";

import { useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api";
import { useInspector, type InspectorStatus } from "@/lib/inspector";
import { queryKeys } from "@/lib/query-keys";

const LABEL: Record<InspectorStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  unauthorized: "Signed out",
  forbidden: "Not an operator",
};

const DOT: Record<InspectorStatus, string> = {
  connecting: "warn",
  live: "live",
  reconnecting: "warn",
  unauthorized: "err",
  forbidden: "err",
};

/** The inspector socket's state and the node this tab is talking to. */
export function ConnectionStatus() {
  const { status, lastError, paused } = useInspector();
  const health = useQuery({ queryKey: queryKeys.health(), queryFn: api.health, refetchInterval: 10_000 });
  const degraded = health.data?.status === "degraded" || health.isError;
  const dot = degraded && status === "live" ? "warn" : DOT[status];
  const title = [lastError ? `last error: ${lastError}` : null, health.data ? `version ${health.data.version}, db ${health.data.db}` : null]
    .filter(Boolean)
    .join(" · ");
  return (
    <div className="status" data-testid="connection-status" data-state={status} title={title || undefined}>
      <span className={`dot ${dot}`} />
      <span className="status-text">
        <span>
          {LABEL[status]}
          {status === "live" && paused ? " · paused" : ""}
          {degraded ? " · degraded" : ""}
        </span>
        <span data-testid="node-id">{health.data?.node_id ?? "node –"}</span>
      </span>
    </div>
  );
}
