import type { TraceEvent } from "../../contract";
import type { Tracer } from "../trace/tracer";
import type { Connection } from "./connection-registry";
import type { Delivery } from "./delivery";
import { buildEvent } from "./event-factory";

/** Traces `connection_opened` (with an extra code, e.g. RECOVERED) and returns the trace id for the greeting. */
export function traceOpened(tracer: Tracer, conn: Connection, error?: TraceEvent["error"]): string {
  const traceId = tracer.newTraceId();
  tracer.record("connection_opened", { trace_id: traceId, user_id: conn.userId, connection_id: conn.id, error });
  return traceId;
}

/** Sends `connection_established` through the one delivery path: the first event of every transport. */
export function greet(delivery: Delivery, conn: Connection, traceId: string): void {
  delivery.toConnection(
    conn.id,
    buildEvent(
      "connection_established",
      { connection_id: conn.id, user_id: conn.userId, node_id: conn.nodeId },
      { user_id: conn.userId, trace_id: traceId },
    ),
  );
}

/** Traces `connection_closed`; a connection the server cut as a slow consumer says so. */
export function traceClosed(tracer: Tracer, conn: Connection, reason: string | undefined): void {
  tracer.record("connection_closed", {
    trace_id: tracer.newTraceId(),
    user_id: conn.userId,
    connection_id: conn.id,
    error: reason === "SLOW_CONSUMER" ? { code: "SLOW_CONSUMER", message: "outgoing buffer over its bound" } : undefined,
  });
}
