import type { AnyServerEvent, ServerEvent } from "../../contract";
import type { EventWriter } from "./event-writer";
import type { ChatSocket } from "./chat-socket";
import { EngineQueuedBytes } from "./engine-queued-bytes";

/** How long the server waits for an opt-in client ack before forgetting it. */
export const ACK_TIMEOUT_MS = 10_000;

/** Writes events to one Socket.IO socket. */
export class SocketWriter implements EventWriter {
  readonly #socket: ChatSocket;
  readonly #localOnly: () => boolean;
  readonly #queued = new EngineQueuedBytes();

  /**
   * `localOnly` says when the cluster is unreachable: with connection-state recovery on, Socket.IO
   * routes every emit through the cluster adapter, which drops it when Redis is down; a local emit
   * still reaches this node's socket (without a recovery offset).
   */
  constructor(socket: ChatSocket, localOnly: () => boolean = () => false) {
    this.#socket = socket;
    this.#localOnly = localOnly;
  }

  write(wide: ServerEvent, onAck?: () => void): void {
    // Every ServerEvent is one member of the union clients narrow on; TypeScript cannot see that of a wide one.
    const event = wide as AnyServerEvent;
    if (this.#localOnly()) {
      // This socket's own room with the local flag (note: `socket.local` would mean every *other* socket).
      const own = this.#socket.nsp.local.to(this.#socket.id);
      if (onAck) own.timeout(ACK_TIMEOUT_MS).emit("event", event, (err?: Error | null) => void (!err && onAck()));
      else own.emit("event", event);
      return;
    }
    if (onAck) {
      this.#socket.timeout(ACK_TIMEOUT_MS).emit("event", event, (err?: Error | null) => {
        if (!err) onAck();
      });
    } else {
      this.#socket.emit("event", event);
    }
  }

  queuedBytes(): number {
    return this.#queued.measure(this.#socket.conn);
  }

  close(reason: string): void {
    this.#socket.data.closeReason = reason;
    this.#socket.disconnect(true);
    // A client that stopped reading never drains its buffer: drop the transport now instead of
    // letting engine.io wait for a drain that will not come (and hold its queued bytes).
    this.#socket.conn.close(true);
  }
}
