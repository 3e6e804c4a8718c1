import type { EngineConnection } from "./oversized-intake";

/** The largest engine.io message a socket may send before its first CONNECT (a CONNECT with its auth is far smaller). */
export const PRE_JOIN_MAX_CHARS = 8 * 1024;

interface GuardedConnection extends EngineConnection {
  close(discard?: boolean): void;
  off(event: "packet", listener: (packet: { type: string; data?: unknown }) => void): unknown;
}

/**
 * Nothing is buffered, or even read, for a socket that has not asked to join a namespace. A client's
 * first Socket.IO packet is a CONNECT (at most PRE_JOIN_MAX_CHARS with its auth); anything else first (an
 * event, a binary header, an attachment) cannot come from a client: its TCP socket is destroyed at once (a `ws` terminate, not a closing handshake during which
 * the sender could go on streaming megabytes that would still be read and unmasked). Runs on engine.io's
 * `packet` event, before the parser sees the message.
 */
export function guardUnjoinedSockets(engine: { on(event: "connection", listener: (conn: GuardedConnection) => void): unknown }): void {
  engine.on("connection", (conn) => {
    const onPacket = (packet: { type: string; data?: unknown }) => {
      if (packet.type !== "message") return;
      const data = packet.data;
      if (typeof data === "string" && data.length <= PRE_JOIN_MAX_CHARS && data.startsWith("0")) {
        conn.off("packet", onPacket); // CONNECT: the parser and the middleware take over
        return;
      }
      const ws = conn.transport.socket as { terminate?: () => void } | undefined;
      if (typeof ws?.terminate === "function") ws.terminate();
      else conn.close(true);
    };
    conn.on("packet", onPacket);
  });
}
