import type { Duplex } from "node:stream";
import { SwitchyardError } from "../../../contract";
import { rawErrorResponse } from "../../operator/http-kit";

/** The codes an upgrade to `/ws` can be refused with, before any WebSocket frame. */
export type UpgradeRefusalCode = "UNAUTHORIZED" | "FORBIDDEN" | "TOO_MANY_CONNECTIONS";

const MESSAGES: Record<UpgradeRefusalCode, string> = {
  UNAUTHORIZED: 'A valid token is required: `Authorization: Bearer <token>` or the subprotocols ["switchyard.v1", "bearer.<token>"].',
  FORBIDDEN: "This Origin is not allowed.",
  TOO_MANY_CONNECTIONS: "This user is at MAX_CONNECTIONS_PER_USER.",
};

/** A refusal as the contract's error (its HTTP status from the error table). */
export function upgradeRefusal(code: UpgradeRefusalCode): SwitchyardError {
  return new SwitchyardError(code, MESSAGES[code]);
}

/**
 * Answers a refused upgrade on the raw socket: an HTTP response with the status of the error table and
 * the contract's JSON error body, then closes the socket once the response is written.
 */
export function writeRefusal(socket: Duplex, err: SwitchyardError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once("finish", () => socket.destroy());
  socket.end(rawErrorResponse(err));
}
