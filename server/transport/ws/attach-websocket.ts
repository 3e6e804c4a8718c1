import type { Server as HttpServer } from "node:http";
import type { TransportDeps, TransportHandle } from "../transport-deps";

/** Plain WebSocket at `/ws` (PROTOCOL.md "Other client transports"). Not implemented yet. */
export function attachWebSocket(_http: HttpServer, _deps: TransportDeps): TransportHandle {
  return { close: async () => undefined };
}
