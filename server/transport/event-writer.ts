import type { ServerEvent } from "../../contract";

/** Where one connection's events go: a Socket.IO socket, or a sandbox (replay) collector. */
export interface EventWriter {
  /** Writes the event; `onAck` is called when the client acknowledges (opt-in acks only). */
  write(event: ServerEvent, onAck?: () => void): void;
  /** Bytes written to this connection and not yet handed to the network (the slow-consumer bound compares it). */
  queuedBytes(): number;
  /** Closes the connection from the server side with a reason. */
  close(reason: string): void;
}
