import { randomUUID } from "node:crypto";
import type { OutgoingEvent } from "./outgoing-event";

/** Builds an outgoing event with a fresh message id and an ISO timestamp. */
export function buildEvent<U extends string | null>(
  type: string,
  payload: Record<string, unknown>,
  ids: { user_id: U; trace_id: string; thread_id?: string; run_id?: string; seq?: number },
): OutgoingEvent & { user_id: U } {
  const event: OutgoingEvent & { user_id: U } = {
    type,
    payload,
    message_id: randomUUID(),
    user_id: ids.user_id,
    timestamp: new Date().toISOString(),
    trace_id: ids.trace_id,
  };
  if (ids.thread_id !== undefined) event.thread_id = ids.thread_id;
  if (ids.run_id !== undefined) event.run_id = ids.run_id;
  if (ids.seq !== undefined) event.seq = ids.seq;
  return event;
}
