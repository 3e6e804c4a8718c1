import type { ServerEvent } from "../../contract";

/** Where one connection's events go: a Socket.IO socket, or a sandbox (replay) collector. */
export interface EventWriter {
  /** Writes the event; `onAck` is called when the client acknowledges (opt-in acks only). */
  write(event: ServerEvent, onAck?: () => void): void;
  /** Packets queued for this connection and not yet flushed to the network. */
  backlog(): number;
  /** Closes the connection from the server side with a reason. */
  close(reason: string): void;
}
