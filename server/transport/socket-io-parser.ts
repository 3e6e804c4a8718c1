import { Decoder, Encoder, type Packet, PacketType } from "./socket-io-parser-lib";
import { readFrameHead } from "./frame-head";
import { type FrameHead, RefusedFrame } from "./refused-frame";
import { isEventData, type PacketHeader, parsePacketHeader, readEventHead } from "./socket-io-parser-header";

/** socket.io-parser's own bound on the attachments a header may announce. */
const MAX_ANNOUNCED_ATTACHMENTS = 10;

/** A CONNECT (its auth payload), DISCONNECT or CONNECT_ERROR packet longer than this closes the connection. */
const MAX_CONTROL_PACKET_CHARS = 8 * 1024;

/** The JSON of one attachment's placeholder, `{"_placeholder":true,"num":0}`, which the contract does not count. */
const PLACEHOLDER_BYTES = 29;

/** A binary packet whose attachments are still to come: counted as they arrive, the one accepted kept. */
interface PendingBinary {
  header: PacketHeader;
  /** The decoded data, unless the packet is already refused (its JSON was too long to parse). */
  data: unknown[] | undefined;
  name: string | number;
  head: FrameHead;
  /** UTF-8 bytes of the event's arguments, placeholders not counted. */
  jsonBytes: number;
  received: number;
  binaryBytes: number;
  refused: boolean;
}

/**
 * The Socket.IO parser of the node: socket.io-parser's Encoder unchanged, and a Decoder that refuses
 * oversized and hostile frames before parsing them (PROTOCOL.md "Errors"; issue 16). Socket.IO builds a
 * Decoder per engine connection with no arguments, hence the factory closing over `maxMessageBytes`.
 *
 * - An EVENT whose arguments are over `maxMessageBytes` in UTF-8 is never parsed: it is decoded as
 *   `[name, RefusedFrame]` (its ack id kept), which the router answers PAYLOAD_TOO_LARGE.
 * - A binary event may carry one attachment of at most `maxMessageBytes`. An oversized attachment, or
 *   more than one, is counted as it arrives and not kept: the event becomes a RefusedFrame
 *   (PAYLOAD_TOO_LARGE over the limit, else INVALID_MESSAGE). A binary ack breaking these rules throws.
 * - A binary packet before any CONNECT throws (Socket.IO then closes the engine connection): nothing is
 *   buffered for a client that has not asked to join a namespace.
 * - CONNECT, DISCONNECT and CONNECT_ERROR over 8 KiB, and an ACK whose data is over `maxMessageBytes`,
 *   throw; below that every non-event packet is decoded by socket.io-parser itself.
 */
export function createSocketIoParser(maxMessageBytes: number): { Encoder: typeof Encoder; Decoder: typeof Decoder } {
  class LimitedDecoder extends Decoder {
    #connectSeen = false;
    #pending: PendingBinary | null = null;

    override add(chunk: unknown): void {
      if (typeof chunk === "string") return this.#text(chunk);
      if (Buffer.isBuffer(chunk) || ArrayBuffer.isView(chunk) || chunk instanceof ArrayBuffer) return this.#attachment(chunk);
      super.add(chunk); // socket.io-parser's own error for anything else
    }

    override destroy(): void {
      this.#pending = null;
      super.destroy();
    }

    #text(str: string): void {
      if (this.#pending) throw new Error("got plaintext data when reconstructing a packet");
      const type = Number(str.charAt(0)) as PacketType;
      if (type === PacketType.EVENT) return this.#event(str);
      if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) return this.#binaryHeader(str);
      if (type === PacketType.ACK) {
        if (str.length * 3 > maxMessageBytes && Buffer.byteLength(str) > maxMessageBytes) throw new Error("ack too large");
      } else if (str.length > MAX_CONTROL_PACKET_CHARS) throw new Error("packet too large");
      super.add(str);
      if (type === PacketType.CONNECT) this.#connectSeen = true;
    }

    #event(str: string): void {
      const header = parsePacketHeader(str, MAX_ANNOUNCED_ATTACHMENTS);
      if (!mayBeOver(str, header.dataStart, maxMessageBytes)) return super.add(str);
      const { name, argsStart } = readEventHead(str, header.dataStart);
      const bytes = argsBytes(str, argsStart);
      if (bytes <= maxMessageBytes) return super.add(str);
      this.#decoded(header, PacketType.EVENT, [name, new RefusedFrame(bytes, 0, readFrameHead(str, argsStart))]);
    }

    #binaryHeader(str: string): void {
      if (!this.#connectSeen) throw new Error("binary data before any CONNECT");
      const header = parsePacketHeader(str, MAX_ANNOUNCED_ATTACHMENTS);
      const isAck = header.type === PacketType.BINARY_ACK;
      if (isAck && header.attachments > 1) throw new Error("too many attachments");
      const placeholders = header.attachments * PLACEHOLDER_BYTES;
      const limit = maxMessageBytes + placeholders;
      const pending: PendingBinary = {
        header,
        data: undefined,
        name: "",
        head: {},
        jsonBytes: 0,
        received: 0,
        binaryBytes: 0,
        refused: false,
      };
      if (isAck) {
        if (mayBeOver(str, header.dataStart, limit) && Buffer.byteLength(str) > limit) throw new Error("ack too large");
        pending.data = parseData(str, header.dataStart, Array.isArray);
      } else {
        const { name, argsStart } = readEventHead(str, header.dataStart);
        const bytes = argsBytes(str, argsStart);
        pending.name = name;
        pending.jsonBytes = Math.max(0, bytes - placeholders);
        if (bytes > limit) {
          pending.head = readFrameHead(str, argsStart);
          pending.refused = true;
        } else {
          pending.data = parseData(str, header.dataStart, isEventData);
          pending.head = headOf(pending.data[1]);
          pending.refused = header.attachments > 1;
        }
      }
      this.#pending = pending;
    }

    #attachment(chunk: Buffer | ArrayBuffer | ArrayBufferView): void {
      const p = this.#pending;
      if (!p) throw new Error("got binary data when not reconstructing a packet");
      p.received++;
      p.binaryBytes += chunk.byteLength;
      if (chunk.byteLength > maxMessageBytes) p.refused = true;
      const isAck = p.header.type === PacketType.BINARY_ACK;
      if (isAck && p.refused) throw new Error("attachment too large");
      // Not kept: the one accepted attachment completes its packet at once; the others are only counted.
      if (p.received < p.header.attachments) return;
      this.#pending = null;
      if (p.refused) {
        const refused = new RefusedFrame(p.jsonBytes + p.binaryBytes, p.header.attachments, p.head);
        return this.#decoded(p.header, PacketType.EVENT, [p.name, refused]);
      }
      this.#decoded(p.header, isAck ? PacketType.ACK : PacketType.EVENT, withAttachment(p.data!, chunk));
    }

    #decoded(header: PacketHeader, type: PacketType, data: unknown[]): void {
      const packet: Packet = { type, nsp: header.nsp, data };
      if (header.id !== undefined) packet.id = header.id;
      this.emitReserved("decoded", packet);
    }
  }
  return { Encoder, Decoder: LimitedDecoder };
}

/** False when the data from `start` cannot be over `limit` UTF-8 bytes (3 bytes per UTF-16 unit at most): no need to count. */
function mayBeOver(str: string, start: number, limit: number): boolean {
  return (str.length - start) * 3 > limit;
}

/** UTF-8 bytes of an event's arguments: from `argsStart` up to the data's closing bracket. */
function argsBytes(str: string, argsStart: number): number {
  return Math.max(0, Buffer.byteLength(str) - Buffer.byteLength(str.slice(0, argsStart)) - 1);
}

/** The packet's JSON data, checked as socket.io-parser checks it ("invalid payload" otherwise). */
function parseData(str: string, start: number, valid: (data: unknown) => data is unknown[]): unknown[] {
  let data: unknown;
  try {
    data = JSON.parse(str.slice(start));
  } catch {
    data = undefined;
  }
  if (!valid(data)) throw new Error("invalid payload");
  return data;
}

/** The `type` and `message_id` of a decoded envelope, for a refusal's ack. */
function headOf(envelope: unknown): FrameHead {
  if (typeof envelope !== "object" || envelope === null) return {};
  const { type, message_id } = envelope as FrameHead;
  return { type, message_id };
}

/**
 * The data with its placeholder (`{_placeholder: true, num: 0}`) replaced by the attachment, as
 * socket.io-parser's reconstructPacket does, without recursion (the JSON may nest thousands deep).
 */
function withAttachment(data: unknown[], attachment: unknown): unknown[] {
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown> | unknown[];
    for (const key of Object.keys(node)) {
      const v = (node as Record<string, unknown>)[key];
      if (typeof v !== "object" || v === null) continue;
      const placeholder = v as { _placeholder?: unknown; num?: unknown };
      if (placeholder._placeholder === true) {
        if (placeholder.num !== 0) throw new Error("illegal attachments");
        (node as Record<string, unknown>)[key] = attachment;
      } else stack.push(v);
    }
  }
  return data;
}
