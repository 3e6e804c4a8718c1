import type { IncomingMessage, Server as HttpServer } from "node:http";
import { Server as IoServer } from "socket.io";
import type { Config } from "../env";
import { boundedRecoveryAdapter, recoveryCaps } from "./bounded-recovery-adapter";
import type { ChatServer } from "./chat-socket";
import { guardUnjoinedSockets } from "./engine-prejoin-guard";
import { FairWebSocketServer } from "./fair-ws-server";
import { limitOversizedIntake } from "./oversized-intake";
import { createSocketIoParser } from "./socket-io-parser";
import { flushEngineWritesPerTick } from "./tick-writes";

/**
 * The Socket.IO server on the node's HTTP server: 1 MiB frames, no compression, recovery when enabled,
 * 5 s (not 45 s) for a client to join a namespace after connecting, the parser that refuses frames
 * over MAX_MESSAGE_BYTES by their length and accepts one binary attachment (socket-io-parser.ts), and
 * an allowance for such frames per connection (oversized-intake.ts); a socket that sends binary or big
 * frames before joining a namespace is dropped unread (engine-prejoin-guard.ts); a connection's frames
 * reach the router one per turn of the event loop (fair-ws-server.ts), and the frames written to it in one
 * tick leave in one TCP write (tick-writes.ts).
 */
export function createIoServer(http: HttpServer, config: Config, recoveryWindowMs: number): ChatServer {
  const io: ChatServer = new IoServer(http, {
    maxHttpBufferSize: 1 << 20,
    perMessageDeflate: false,
    wsEngine: FairWebSocketServer,
    connectTimeout: 5000,
    parser: createSocketIoParser(config.MAX_MESSAGE_BYTES),
    connectionStateRecovery: recoveryWindowMs > 0 ? { maxDisconnectionDuration: recoveryWindowMs, skipMiddlewares: false } : undefined,
    adapter: recoveryWindowMs > 0 ? boundedRecoveryAdapter(recoveryCaps(config)) : undefined, // the cluster replaces it (Redis)
    cors: config.ALLOWED_ORIGINS.length ? { origin: config.ALLOWED_ORIGINS, credentials: true } : undefined,
    allowRequest: (req, callback) => callback(null, originAllowed(req, config.ALLOWED_ORIGINS)),
  });
  guardUnjoinedSockets(io.engine);
  limitOversizedIntake(io.engine, config.MAX_MESSAGE_BYTES);
  flushEngineWritesPerTick(io.engine);
  return io;
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
