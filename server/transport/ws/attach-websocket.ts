import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import type { ServerOptions, WebSocket } from "ws";
import { FairWebSocketServer } from "../fair-ws-server";
import type { TransportDeps, TransportHandle } from "../transport-deps";
import { admitUpgrade, selectProtocol } from "./upgrade-gate";
import { upgradeRefusal, writeRefusal } from "./upgrade-refusal";
import { serveWsConnection } from "./ws-connection";
import { CLOSE_CODES } from "./ws-writer";
import { keepaliveFromEnv, WS_CLOSE_TIMEOUT_MS, WS_MAX_FRAME_BYTES, WS_PATH, WS_SHUTDOWN_GRACE_MS } from "./ws-settings";

/**
 * Plain WebSocket at `/ws` (PROTOCOL.md "Other client transports"): answers the HTTP server's upgrades
 * for that path only (Socket.IO's and any other upgrade listener keep theirs), refuses before the
 * upgrade with an HTTP status and the JSON error body, and serves each accepted socket as a connection
 * of the one router. `close()` closes every /ws connection with 1001, then the WebSocket server.
 */
export function attachWebSocket(http: HttpServer, deps: TransportDeps): TransportHandle {
  const keepalive = keepaliveFromEnv();
  // `closeTimeout` is a ws 8 server option that @types/ws does not declare yet.
  const options: ServerOptions & { closeTimeout: number } = {
    noServer: true,
    maxPayload: WS_MAX_FRAME_BYTES,
    perMessageDeflate: false,
    closeTimeout: WS_CLOSE_TIMEOUT_MS,
    handleProtocols: (protocols) => selectProtocol(protocols),
  };
  const wss = new FairWebSocketServer(options);

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(req.url) !== WS_PATH) return; // another transport's upgrade (Socket.IO, Next's HMR)
    const admitted = admitUpgrade(req, { tokens: deps.tokens, admission: deps.admission, allowedOrigins: deps.config.ALLOWED_ORIGINS });
    if (typeof admitted === "string") return writeRefusal(socket, upgradeRefusal(admitted));
    // handleUpgrade is synchronous here (no verifyClient): the callback has run, or the upgrade failed.
    try {
      wss.handleUpgrade(req, socket, head, (ws) => {
        serveWsConnection(ws, socket, admitted.identity, deps, keepalive);
      });
    } finally {
      admitted.release();
    }
  };
  http.on("upgrade", onUpgrade);

  return {
    async close() {
      http.off("upgrade", onUpgrade);
      await closeAll(wss.clients);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Closes every socket with 1001; those that have not finished the closing handshake in time are dropped. */
async function closeAll(clients: Set<WebSocket>): Promise<void> {
  const open = [...clients];
  if (open.length === 0) return;
  const closed = open.map(
    (ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once("close", () => resolve()))),
  );
  for (const ws of open) ws.close(CLOSE_CODES.goingAway, "server shutting down");
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, WS_SHUTDOWN_GRACE_MS)));
  await Promise.race([Promise.all(closed), grace]);
  clearTimeout(timer);
  for (const ws of open) if (ws.readyState !== ws.CLOSED) ws.terminate();
  await Promise.all(closed);
}

/** The path of a request URL, without its query string. */
function pathOf(url: string | undefined): string {
  const raw = url ?? "";
  const q = raw.indexOf("?");
  return q === -1 ? raw : raw.slice(0, q);
}
