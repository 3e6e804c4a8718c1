/** An event as written to a client socket (`socket.on("event", ...)`). */
export interface OutgoingEvent {
  type: string;
  payload: Record<string, unknown>;
  message_id: string;
  /** The owning user; null only for operator broadcasts. */
  user_id: string | null;
  thread_id?: string;
  run_id?: string;
  seq?: number;
  timestamp: string;
  trace_id: string;
}

/** Where one connection's events go: a Socket.IO socket, or a sandbox (replay) collector. */
export interface EventWriter {
  /** Writes the event; `onAck` is called when the client acknowledges (opt-in acks only). */
  write(event: OutgoingEvent, onAck?: () => void): void;
  /** Packets queued for this connection and not yet flushed to the network. */
  backlog(): number;
  /** Closes the connection from the server side with a reason. */
  close(reason: string): void;
}
