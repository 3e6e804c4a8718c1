import type { ErrorCode } from "./error-codes";

/** The ack of a client message (PROTOCOL.md "Chat namespace"). */
export type Ack =
  | { ok: true; type: string; message_id: string; trace_id: string; run_id?: string; thread_id?: string }
  | { ok: false; error: { code: ErrorCode; message: string }; message_id?: string; trace_id: string };
