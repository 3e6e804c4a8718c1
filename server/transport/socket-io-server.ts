import type { IncomingMessage, Server as HttpServer } from "node:http";
import { Server as IoServer } from "socket.io";
import type { Config } from "../env";
import type { ChatServer } from "./chat-socket";

/**
 * The Socket.IO server on the node's HTTP server: 1 MiB frames, no compression, recovery when enabled, and
 * 5 s (not 45 s) for a client to join a namespace after connecting.
 */
export function createIoServer(http: HttpServer, config: Config, recoveryWindowMs: number): ChatServer {
  return new IoServer(http, {
    maxHttpBufferSize: 1 << 20,
    perMessageDeflate: false,
    connectTimeout: 5000,
    connectionStateRecovery: recoveryWindowMs > 0 ? { maxDisconnectionDuration: recoveryWindowMs, skipMiddlewares: false } : undefined,
    cors: config.ALLOWED_ORIGINS.length ? { origin: config.ALLOWED_ORIGINS, credentials: true } : undefined,
    allowRequest: (req, callback) => callback(null, originAllowed(req, config.ALLOWED_ORIGINS)),
  });
}

/** Socket.IO's origin check: same host, a listed origin, or no Origin (non-browser clients). */
function originAllowed(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host || allowed.includes(origin);
  } catch {
    return false;
  }
}
