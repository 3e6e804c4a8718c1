import { packetDataBytes } from "./engine-packet-bytes";

/** What this file reads of an engine.io socket: its packet queue and its transport's buffered bytes. */
interface EngineSocketView {
  writeBuffer?: ReadonlyArray<{ data?: unknown }>;
  transport?: { socket?: { bufferedAmount?: number } };
}

/**
 * Bytes an engine.io socket (a Socket.IO connection, chat or inspector) holds and has not handed to the
 * network: the packets waiting in its write buffer (they wait there while the transport is not writable,
 * that is while the client does not read) plus what its WebSocket has buffered. Each packet is counted
 * once while it waits: engine.io replaces the write buffer with a new array on every flush, so counting
 * restarts when the array changes. String lengths stand for bytes (UTF-16 units; cheap, and exact for
 * the ASCII JSON almost every packet is).
 */
export class EngineQueuedBytes {
  #buffer: ReadonlyArray<{ data?: unknown }> | null = null;
  #counted = 0;
  #bytes = 0;

  measure(engineSocket: unknown): number {
    const engine = engineSocket as EngineSocketView;
    const buffer = engine.writeBuffer ?? [];
    if (buffer !== this.#buffer || buffer.length < this.#counted) {
      this.#buffer = buffer;
      this.#counted = 0;
      this.#bytes = 0;
    }
    for (; this.#counted < buffer.length; this.#counted++) this.#bytes += packetBytes(buffer[this.#counted]?.data);
    return this.#bytes + (engine.transport?.socket?.bufferedAmount ?? 0);
  }
}

/** A queued packet: its data, and 16 bytes for one without (a ping, a close). */
function packetBytes(data: unknown): number {
  return packetDataBytes(data) || 16;
}
