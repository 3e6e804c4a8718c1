import { packetDataBytes } from "./engine-packet-bytes";
import { holdReading } from "./read-gate";

/**
 * How many bytes of frames over MAX_MESSAGE_BYTES one connection may send per second, and at once. Such
 * frames are refused unparsed, but reading, framing and decoding 1 MiB of text still costs the event loop
 * milliseconds (tens on a loaded 2-core machine): a connection sending them back to back would take most
 * of it. No client needs the allowance (its frames are refused): a client's one oversized message is
 * answered at once, and only a stream of them is slowed down.
 */
export const OVERSIZED_BYTES_PER_S = 512 * 1024;
/** Half a frame's worst: a connection's first oversized frame is answered at once, its second waits (attack 6). */
export const OVERSIZED_BURST_BYTES = 512 * 1024;

/** The longest a connection is left unread (well inside the engine's and /ws's 20 s heartbeat timeouts). */
const MAX_PAUSE_MS = 10_000;

/**
 * One connection's allowance for oversized frames: a bucket of OVERSIZED_BURST_BYTES refilled at
 * OVERSIZED_BYTES_PER_S. A frame over `maxBytes` is charged; past the allowance the connection is not
 * read until the bucket is back to zero, so TCP holds the sender back. Its frames are still answered, in
 * order, and the connection stays.
 */
export class OversizedIntake {
  readonly #maxBytes: number;
  #allowance = OVERSIZED_BURST_BYTES;
  #at = performance.now();

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Charges a frame of `bytes` (nothing when within the message limit), holding `socket`'s reading when past the allowance. */
  frame(bytes: number, socket: unknown): void {
    if (bytes <= this.#maxBytes) return;
    const now = performance.now();
    const refilled = this.#allowance + ((now - this.#at) / 1000) * OVERSIZED_BYTES_PER_S;
    this.#allowance = Math.max(-(MAX_PAUSE_MS / 1000) * OVERSIZED_BYTES_PER_S, Math.min(OVERSIZED_BURST_BYTES, refilled) - bytes);
    this.#at = now;
    if (this.#allowance < 0) holdReading(socket, Math.ceil((-this.#allowance / OVERSIZED_BYTES_PER_S) * 1000));
  }
}

/** The part of an engine.io connection the intake needs: its inbound packets, and its transport's `ws` socket. */
export interface EngineConnection {
  on(event: "packet", listener: (packet: { type: string; data?: unknown }) => void): unknown;
  transport: { socket?: unknown };
}

/**
 * Holds every engine.io connection of a Socket.IO server to its oversized-frame allowance, before the
 * parser sees the frame. Only the WebSocket transport can be paused; polling requests are bounded by
 * `maxHttpBufferSize` and answered as they come.
 */
export function limitOversizedIntake(
  engine: { on(event: "connection", listener: (conn: EngineConnection) => void): unknown },
  maxBytes: number,
): void {
  engine.on("connection", (conn) => {
    const intake = new OversizedIntake(maxBytes);
    conn.on("packet", (packet) => {
      if (packet.type !== "message") return;
      intake.frame(packetDataBytes(packet.data, maxBytes), conn.transport.socket);
    });
  });
}
