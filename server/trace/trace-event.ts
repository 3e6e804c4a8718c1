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

/** One routing step as the inspector, the API and the database see it. */
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
  /** A contract error code (ErrorCode), or another code such as SLOW_CONSUMER or a verdict reason. */
  error?: { code: string; message: string };
}

/** What a routing step passes to the tracer; the tracer adds id, ts and node_id. */
export type TraceFields = Omit<TraceEvent, "id" | "ts" | "node_id" | "kind">;
