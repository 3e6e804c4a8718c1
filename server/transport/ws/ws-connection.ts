import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { Ack } from "../../../contract";
import type { Identity } from "../../auth/identity";
import type { Connection } from "../connection-registry";
import { greet, traceClosed, traceOpened } from "../connection-lifecycle";
import type { TransportDeps } from "../transport-deps";
import { OversizedIntake } from "../oversized-intake";
import { holdReading } from "../read-gate";
import { RefusedFrame } from "../refused-frame";
import { TickCork } from "../tick-writes";
import { inboundFrame } from "./inbound-frame";
import { keepAlive } from "./keepalive";
import { WsWriter } from "./ws-writer";
import type { KeepaliveSettings } from "./ws-settings";

/**
 * Serves one upgraded `/ws` socket as a connection of the one router, as the chat namespace does for
 * Socket.IO: registers it (`transport: "websocket"`, no per-event acks), traces `connection_opened`,
 * sends `connection_established` through the delivery path, routes every frame and answers each with
 * exactly one `message_ack` frame, and on close unregisters it and traces `connection_closed`.
 * No connection-state recovery: a client resumes with `get_thread_history`.
 */
export function serveWsConnection(
  ws: WebSocket,
  tcp: Duplex,
  identity: Identity,
  deps: TransportDeps,
  keepalive: KeepaliveSettings,
): Connection {
  const { config, connections, tracer, logger } = deps;
  let closeReason: string | undefined;
  const writer = new WsWriter(
    ws,
    (reason) => {
      // Cut by the server (a slow consumer): no further event is written to it, whatever the client does.
      closeReason = reason;
      connections.remove(conn.id);
    },
    new TickCork(tcp),
  );
  const conn: Connection = {
    id: `conn_${randomUUID()}`,
    userId: identity.userId,
    role: identity.role,
    nodeId: config.NODE_ID,
    transport: "websocket",
    connectedAt: Date.now(),
    lastActivity: Date.now(),
    acks: false,
    writer,
  };
  conn.holdReading = (ms) => holdReading(ws, ms);
  connections.add(conn);
  const traceId = traceOpened(tracer, conn);

  // Frames over MAX_MESSAGE_BYTES are refused, and past an allowance the socket is not read for a while.
  const oversized = new OversizedIntake(config.MAX_MESSAGE_BYTES);
  // Listeners before the first write: a frame or a close can come at any time from here on.
  ws.on("message", (data, isBinary) => {
    if (ws.readyState !== ws.OPEN) return; // closing (a slow consumer cut, shutdown): nothing more is routed
    // A client that keeps sending without reading what it was sent is cut before its frame is routed, so
    // that acks cannot pile up either. (Measured on arrival: a big reply to this very frame is no reason.)
    if (writer.queuedBytes() > config.OUTBOUND_BUFFER_BYTES) return writer.close("SLOW_CONSUMER");
    const raw = inboundFrame(data, isBinary, config.MAX_MESSAGE_BYTES);
    oversized.frame(raw instanceof RefusedFrame ? raw.bytes : Buffer.isBuffer(raw) ? raw.length : 0, ws);
    deps.router.route(conn, raw, (ack: Ack) => writer.send({ type: "message_ack", payload: ack }));
  });
  // A frame over maxPayload, bad UTF-8 or a protocol error: `ws` closes the socket itself (1009, 1007, 1002).
  ws.on("error", (err) => logger.debug({ connection_id: conn.id, err: err.message }, "websocket error"));
  ws.once("close", (code) => {
    connections.remove(conn.id);
    traceClosed(tracer, conn, closeReason);
    logger.debug({ connection_id: conn.id, code }, "websocket closed");
  });
  keepAlive(ws, keepalive);

  greet(deps.delivery, conn, traceId);
  return conn;
}
