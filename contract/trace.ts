/** Trace kinds of the contract, one per routing step. */
export const TRACE_KINDS = [
  "received",
  "rejected",
  "routed",
  "handler_started",
  "handler_finished",
  "handler_failed",
  "emitted",
  "delivered",
  "undelivered",
  "acknowledged",
  "connection_opened",
  "connection_closed",
  "isolation_violation",
  "session_verdict",
] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

/** One routing step as the inspector, the API and the database see it. `ts` is epoch milliseconds. */
export interface TraceEvent {
  id: string;
  trace_id: string;
  ts: number;
  node_id: string;
  kind: TraceKind;
  user_id?: string;
  connection_id?: string;
  message_type?: string;
  handler?: string;
  run_id?: string;
  thread_id?: string;
  duration_ms?: number;
  /** An error code (ErrorCode), or another code such as SLOW_CONSUMER, RECOVERED or a verdict reason. */
  error?: { code: string; message: string };
}

/** What a routing step passes to the tracer; the tracer adds id, ts and node_id. */
export type TraceFields = Omit<TraceEvent, "id" | "ts" | "node_id" | "kind">;

/** A trace filter: of the inspector's `subscribe`, and of `GET /api/traces`. Absent fields match everything. */
export interface TraceFilter {
  user_id?: string;
  type?: string;
  kind?: TraceKind;
  run_id?: string;
  node_id?: string;
  handler?: string;
}

/** Whether a trace event passes a filter. */
export function matchesFilter(e: TraceEvent, f: TraceFilter): boolean {
  return (
    (f.user_id === undefined || e.user_id === f.user_id) &&
    (f.type === undefined || e.message_type === f.type) &&
    (f.kind === undefined || e.kind === f.kind) &&
    (f.run_id === undefined || e.run_id === f.run_id) &&
    (f.node_id === undefined || e.node_id === f.node_id) &&
    (f.handler === undefined || e.handler === f.handler)
  );
}
