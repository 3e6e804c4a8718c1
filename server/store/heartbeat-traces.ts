import { type TraceEvent, type TraceKind } from "../../contract";

/** Keep-alive traffic: many messages a minute per connection, none of them a conversation. */
const HEARTBEAT_TYPES: ReadonlySet<string> = new Set(["ping", "pong", "heartbeat", "heartbeat_ack"]);

/** The steps of a heartbeat that went as expected; anything else (rejected, failed, undelivered) is stored. */
const ROUTINE_KINDS: ReadonlySet<TraceKind> = new Set([
  "received",
  "routed",
  "handler_started",
  "handler_finished",
  "emitted",
  "delivered",
  "acknowledged",
]);

/**
 * Whether a trace event is a routine step of heartbeat traffic. Those are counted, not stored row by
 * row: they would be most of the table and most of the write cost while telling nothing a count does
 * not (issue 7). They still reach the live inspector, the stats and Prometheus like every other step.
 */
export function isRoutineHeartbeat(e: TraceEvent): boolean {
  return e.message_type !== undefined && e.error === undefined && HEARTBEAT_TYPES.has(e.message_type) && ROUTINE_KINDS.has(e.kind);
}
