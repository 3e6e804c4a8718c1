import type { WebSocket } from "ws";
import type { ServerEvent } from "../../../contract";
import type { EventWriter } from "../event-writer";
import { BACKLOG_UNIT_BYTES } from "./ws-settings";

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = { goingAway: 1001, policyViolation: 1008, tooBig: 1009 } as const;

/**
 * Writes events to one plain WebSocket, one JSON text frame each. Its backlog is the socket's unsent
 * bytes in KiB (`Math.ceil(bufferedAmount / 1024)`), so delivery's SLOW_CONSUMER_BACKLOG (2000) cuts a
 * client that stops reading at about 2 MiB unsent. No per-event acks on /ws.
 */
export class WsWriter implements EventWriter {
  readonly #ws: WebSocket;
  readonly #onClose: (reason: string) => void;

  /** `onClose` runs once when the server closes the connection with a reason (before the socket is gone). */
  constructor(ws: WebSocket, onClose: (reason: string) => void) {
    this.#ws = ws;
    this.#onClose = onClose;
  }

  write(event: ServerEvent): void {
    this.send(event);
  }

  /** Sends any JSON value as one text frame while the socket is open (a frame after close is dropped). */
  send(value: unknown): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(JSON.stringify(value));
  }

  backlog(): number {
    return Math.ceil(this.#ws.bufferedAmount / BACKLOG_UNIT_BYTES);
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
