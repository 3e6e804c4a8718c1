import type { HandlerFamily } from "../handler-types";
import { agentHandlers } from "./agent";
import { broadcastHandlers } from "./broadcast";
import { clientErrorHandlers } from "./client-errors";
import { connectionHandlers } from "./connection";
import { heartbeatHandlers } from "./heartbeat";
import { jsonRpcHandlers } from "./jsonrpc";
import { qualityHandlers } from "./quality";
import { threadHandlers } from "./threads";
import { typingHandlers } from "./typing";

/** Every handler family, registered in this order through the same call. */
export const HANDLER_FAMILIES: readonly HandlerFamily[] = [
  connectionHandlers,
  heartbeatHandlers,
  typingHandlers,
  agentHandlers,
  threadHandlers,
  jsonRpcHandlers,
  clientErrorHandlers,
  broadcastHandlers,
  qualityHandlers,
];
