import { z } from "zod";
import type { TraceEvent } from "./trace-event";
import { TRACE_KINDS } from "./trace-event";

/** An inspector subscriber's filter (`subscribe {user_id?, type?, kind?, run_id?, node_id?}`). */
export const TraceFilterSchema = z
  .object({
    user_id: z.string().max(128).optional(),
    type: z.string().max(64).optional(),
    kind: z.enum(TRACE_KINDS).optional(),
    run_id: z.string().max(128).optional(),
    node_id: z.string().max(256).optional(),
    handler: z.string().max(128).optional(),
  })
  .strip();
export type TraceFilter = z.infer<typeof TraceFilterSchema>;

/** Whether a trace event passes a filter (absent fields match everything). */
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
