import { z } from "zod";
import { TRACE_KINDS, type TraceFilter } from "./trace";

/** Validates an inspector subscriber's filter (`subscribe {user_id?, type?, kind?, run_id?, node_id?}`). */
export const TraceFilterSchema = z
  .object({
    user_id: z.string().max(128).optional(),
    type: z.string().max(64).optional(),
    kind: z.enum(TRACE_KINDS).optional(),
    run_id: z.string().max(128).optional(),
    node_id: z.string().max(256).optional(),
    handler: z.string().max(128).optional(),
  })
  .strip() satisfies z.ZodType<TraceFilter>;
