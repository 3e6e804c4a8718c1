import { type Envelope, SwitchyardError } from "../../contract";
import { hasLoneSurrogate } from "../text/unicode";
import type { RouterServices } from "./services";

/**
 * A thread_id or run_id given by the client, in the envelope or the payload, must name a thread or run
 * of that user: another user's is FORBIDDEN, one that does not exist NOT_FOUND. Returns undefined when
 * no id was given (nothing to wait for), else a promise that rejects with the refusal.
 */
export function checkOwnership(
  services: Pick<RouterServices, "threads" | "runs">,
  userId: string,
  envelope: Envelope,
  payload: Record<string, unknown>,
): Promise<void> | undefined {
  if (!envelope.thread_id && !envelope.run_id && payload.thread_id === undefined && payload.run_id === undefined) return undefined;
  return checkOwned(services, userId, envelope, payload);
}

/** The ids of one kind a message names, envelope first. */
function named(fromEnvelope: string | undefined, fromPayload: unknown): Set<string> {
  const ids = new Set<string>();
  if (fromEnvelope) ids.add(fromEnvelope);
  if (typeof fromPayload === "string") ids.add(fromPayload);
  return ids;
}

async function checkOwned(
  services: Pick<RouterServices, "threads" | "runs">,
  userId: string,
  envelope: Envelope,
  payload: Record<string, unknown>,
): Promise<void> {
  for (const id of named(envelope.thread_id, payload.thread_id)) {
    // An id that is not well-formed text names nothing (and must not reach the database).
    if (hasLoneSurrogate(id)) throw new SwitchyardError("NOT_FOUND", "No such thread.");
    const thread = await services.threads.find(id);
    if (!thread) throw new SwitchyardError("NOT_FOUND", `No thread ${id.slice(0, 128)}.`);
    if (thread.userId !== userId) throw new SwitchyardError("FORBIDDEN", "That thread belongs to another user.");
  }
  for (const id of named(envelope.run_id, payload.run_id)) {
    if (hasLoneSurrogate(id)) throw new SwitchyardError("NOT_FOUND", "No such run.");
    const run = await services.runs.describe(id);
    if (!run) throw new SwitchyardError("NOT_FOUND", `No run ${id.slice(0, 128)}.`);
    if (run.userId !== userId) throw new SwitchyardError("FORBIDDEN", "That run belongs to another user.");
  }
}
