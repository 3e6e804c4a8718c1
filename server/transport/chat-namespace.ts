import { randomUUID } from "node:crypto";
import type { Ack, ServerEvent } from "../../contract";
import type { ChatNamespace, ChatSocket } from "./chat-socket";
import type { TransportDeps } from "./transport-deps";
import type { Connection } from "./connection-registry";
import { greet, traceClosed, traceOpened } from "./connection-lifecycle";
import { authenticateHandshake, handshakeRefusal } from "./handshake-auth";
import { RECOVERABLE_REASONS, type RecoveryGate, writeMissedPacket } from "./recovery";
import { holdReading } from "./read-gate";
import { SocketWriter } from "./socket-writer";

/** The chat namespace's parts: every transport's, plus the cluster's health and connection-state recovery. */
export interface ChatDeps extends TransportDeps {
  /** True while the cluster is unreachable (writes stay on this node). */
  localOnly?: () => boolean;
  /** Connection-state recovery: the gate holding missed packets, and the window (0 = off). */
  recovery?: {
    gate: RecoveryGate;
    windowMs: number;
    onRecovered(conn: Connection, event: ServerEvent): void;
    onResumed(conn: Connection): void;
  };
}

/**
 * The chat namespace "/": authenticates the handshake (UNAUTHORIZED / TOO_MANY_CONNECTIONS), registers
 * the connection, and hands every `message` to the router, answering through the ack or, without one,
 * an `error_message` event.
 */
export function attachChat(nsp: ChatNamespace, deps: ChatDeps): void {
  nsp.use((socket, next) => {
    authenticateHandshake(socket.handshake, deps.tokens, false).then(
      (identity) => {
        if (!identity) return next(handshakeRefusal("UNAUTHORIZED"));
        // A recovered session belongs to the user it was made for; another user's token cannot take it over.
        const previous = socket.data.identity;
        if (socket.recovered && previous && previous.userId !== identity.userId) return next(handshakeRefusal("UNAUTHORIZED"));
        // The client left while its token was being verified: nothing to reserve.
        if (socket.conn.readyState !== "open") return next(handshakeRefusal("UNAUTHORIZED"));
        const release = deps.admission.reserve(identity.userId);
        if (!release) return next(handshakeRefusal("TOO_MANY_CONNECTIONS"));
        socket.data.identity = identity;
        // The reservation ends with the "connection" event, or with the transport if the client leaves
        // before it (Socket.IO then drops the socket without a "connection" event).
        socket.data.releaseSlot = release;
        socket.conn.once("close", () => {
          if (!socket.connected && socket.data.releaseSlot === release) {
            socket.data.releaseSlot = undefined;
            release();
          }
        });
        next();
      },
      () => next(handshakeRefusal("UNAUTHORIZED")),
    );
  });

  nsp.on("connection", (socket) => onConnection(socket, deps));
}

function onConnection(socket: ChatSocket, deps: ChatDeps): void {
  const { config, connections, tracer } = deps;
  const { data } = socket;
  const identity = data.identity!;
  data.releaseSlot?.();
  data.releaseSlot = undefined;

  const auth = socket.handshake.auth as Record<string, unknown> | undefined;
  const recovered = socket.recovered && data.connectionId !== undefined;
  const conn: Connection = {
    id: recovered && data.connectionId ? data.connectionId : `conn_${randomUUID()}`,
    userId: identity.userId,
    role: identity.role,
    nodeId: config.NODE_ID,
    transport: "socket.io",
    connectedAt: Date.now(),
    lastActivity: Date.now(),
    acks: auth?.acks === true,
    writer: new SocketWriter(socket, deps.localOnly),
  };
  // The transport is looked up at each hold: a Socket.IO connection's may change (polling -> websocket).
  conn.holdReading = (ms) => holdReading((socket.conn.transport as { socket?: unknown }).socket, ms);
  data.connectionId = conn.id;
  connections.unpark(conn.userId, conn.id);
  connections.add(conn);
  const traceId = traceOpened(tracer, conn, recovered ? { code: "RECOVERED", message: "connection state recovered" } : undefined);
  if (recovered && deps.recovery) {
    deps.recovery.onResumed(conn);
    for (const packet of deps.recovery.gate.take(socket)) {
      const event = packet[1];
      if (deps.delivery.deliverRecovered(conn, event, () => writeMissedPacket(socket, packet))) deps.recovery.onRecovered(conn, event);
    }
  }
  greet(deps.delivery, conn, traceId);

  // Socket.IO passes whatever the client sent: the envelope, and an ack callback only if it asked for one.
  socket.on("message", (...args: unknown[]) => {
    const last = args.at(-1);
    const ack = typeof last === "function" ? (last as (a: Ack) => void) : undefined;
    const envelope = ack ? (args.length > 1 ? args[0] : undefined) : args[0];
    deps.router.route(conn, envelope, (result) => {
      if (ack) ack(result);
      else if (!result.ok) deps.router.sendErrorEvent(conn, result);
    });
  });

  socket.on("disconnect", (reason) => {
    connections.remove(conn.id);
    // Events for a connection that may come back are stored for it (not with acks: Socket.IO cannot replay those).
    const windowMs = deps.recovery?.windowMs ?? 0;
    if (windowMs > 0 && !conn.acks && RECOVERABLE_REASONS.has(reason)) connections.park(conn, Date.now() + windowMs);
    traceClosed(tracer, conn, data.closeReason ?? reason);
  });
}
