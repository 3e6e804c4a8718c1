import type { EventIds, ServerEvent, ServerEventPayloads, ServerType } from "../../contract";
import { isoNow } from "../ids/iso-now";
import { localId } from "../ids/local-id";

/** Builds an outgoing event with a fresh message id and an ISO timestamp. */
export function buildEvent<T extends ServerType, U extends string | null>(
  type: T,
  payload: ServerEventPayloads[T],
  ids: EventIds & { user_id: U; trace_id: string },
): ServerEvent<T> & { user_id: U } {
  const event = {
    type,
    payload,
    message_id: localId(),
    user_id: ids.user_id,
    timestamp: isoNow(),
    trace_id: ids.trace_id,
  } as ServerEvent<T> & { user_id: U };
  if (ids.thread_id !== undefined) event.thread_id = ids.thread_id;
  if (ids.run_id !== undefined) event.run_id = ids.run_id;
  if (ids.seq !== undefined) event.seq = ids.seq;
  return event;
}
