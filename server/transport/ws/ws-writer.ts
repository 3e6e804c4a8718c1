import type { WebSocket } from "ws";
import type { ServerEvent } from "../../../contract";
import type { EventWriter } from "../event-writer";
import type { TickCork } from "../tick-writes";

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = { goingAway: 1001, policyViolation: 1008, tooBig: 1009 } as const;

/**
 * Writes events to one plain WebSocket, one JSON text frame each. Its queued bytes are the socket's
 * unsent bytes (`bufferedAmount`), which delivery compares with OUTBOUND_BUFFER_BYTES. No per-event acks on /ws.
 * The frames of one tick leave in one TCP write (`cork`, tick-writes.ts).
 */
export class WsWriter implements EventWriter {
  readonly #ws: WebSocket;
  readonly #onClose: (reason: string) => void;
  readonly #cork: TickCork | undefined;

  /** `onClose` runs once when the server closes the connection with a reason (before the socket is gone). */
  constructor(ws: WebSocket, onClose: (reason: string) => void, cork?: TickCork) {
    this.#ws = ws;
    this.#onClose = onClose;
    this.#cork = cork;
  }

  write(event: ServerEvent): void {
    this.send(event);
  }

  /** Sends any JSON value as one text frame while the socket is open (a frame after close is dropped). */
  send(value: unknown): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#cork?.hold();
    this.#ws.send(JSON.stringify(value));
  }

  queuedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  /**
   * Closes from the server side: SLOW_CONSUMER with 1008 and that reason, anything else as going away
   * (1001). The close frame queues behind the unsent bytes; the server's close timeout drops the socket
   * if the client never reads it.
   */
  close(reason: string): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#onClose(reason);
    this.#ws.close(reason === "SLOW_CONSUMER" ? CLOSE_CODES.policyViolation : CLOSE_CODES.goingAway, reason);
  }
}
