import type { AckErrorCode } from "./errors";

/** The ack of a client message (PROTOCOL.md "Chat namespace"). `type` is the canonical type. */
export type Ack =
  | { ok: true; type: string; message_id: string; trace_id: string; run_id?: string; thread_id?: string }
  | { ok: false; error: { code: AckErrorCode; message: string }; message_id?: string; trace_id: string };
