import type { IncomingMessage, ServerResponse } from "node:http";
import type { AgentCatalog } from "../../agent/agent-catalog";
import type { RunManager } from "../../agent/run-manager";
import type { ThreadStore } from "../../store/thread-store";
import { sendError } from "../../operator/http-kit";
import { SwitchyardError } from "../../../contract";
import type { TransportDeps, TransportHandle } from "../transport-deps";

/** What the AG-UI endpoint needs besides every transport's parts: the agents, threads and runs. */
export interface AgUiEndpointDeps extends TransportDeps {
  agents: AgentCatalog;
  threads: ThreadStore;
  runs: RunManager;
}

/** The endpoint: its request handler (for POST and the CORS preflight), and its shutdown. */
export interface AgUiEndpoint extends TransportHandle {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

/** True for the paths the AG-UI endpoint answers. */
export const isAgUiPath = (pathname: string): boolean => pathname === "/ag-ui" || pathname.startsWith("/ag-ui/");

/** AG-UI over HTTP at `POST /ag-ui/<agent>` (PROTOCOL.md "Other client transports"). Not implemented yet. */
export function createAgUiEndpoint(_deps: AgUiEndpointDeps): AgUiEndpoint {
  return {
    handle: (_req, res) => sendError(res, new SwitchyardError("NOT_FOUND", "The AG-UI endpoint is not available yet.")),
    close: async () => undefined,
  };
}
