import type { Socket } from "socket.io";
import type { EventWriter, OutgoingEvent } from "./outgoing-event";

/** How long the server waits for an opt-in client ack before forgetting it. */
export const ACK_TIMEOUT_MS = 10_000;

/** Writes events to one Socket.IO socket. */
export class SocketWriter implements EventWriter {
  readonly #socket: Socket;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  write(event: OutgoingEvent, onAck?: () => void): void {
    if (onAck) {
      this.#socket.timeout(ACK_TIMEOUT_MS).emit("event", event, (err: Error | null) => {
        if (!err) onAck();
      });
    } else {
      this.#socket.emit("event", event);
    }
  }

  backlog(): number {
    return (this.#socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
  }

  close(reason: string): void {
    this.#socket.data.closeReason = reason;
    this.#socket.disconnect(true);
  }
}
