import type { RawData } from "ws";
import { readFrameHead } from "../frame-head";
import { RefusedFrame } from "../refused-frame";

/**
 * What the router gets for one client frame; the router then applies the contract (size first, then
 * shape) and traces any refusal. A text frame is parsed as JSON and the value is routed, so the ack of
 * any JSON envelope, refused or not, carries its `message_id`. What cannot be an envelope is routed as
 * is: a binary frame as its bytes (INVALID_MESSAGE, or PAYLOAD_TOO_LARGE over the limit), a text frame
 * that is not JSON as its text (INVALID_MESSAGE).
 *
 * A text frame whose UTF-8 size is over `maxBytes` is refused by that size before any `JSON.parse`
 * (a frame just under 1 MiB nested 450,000 deep would take a second to parse): it is routed as a
 * RefusedFrame of its size, which the router answers PAYLOAD_TOO_LARGE, with the top-level `type` and
 * `message_id` read by one scan of its bytes.
 */
export function inboundFrame(data: RawData, isBinary: boolean, maxBytes: number): unknown {
  const bytes = toBuffer(data);
  if (isBinary) return bytes;
  if (bytes.length > maxBytes) return refused(bytes);
  const text = bytes.toString("utf8");
  const value = parseJson(text);
  return value === NOT_JSON ? text : value;
}

/**
 * An oversized text frame, never decoded as a whole: its bytes are read as latin1 (a copy, with the
 * positions of the ASCII structure unchanged) for the head scan, and only the head's values as UTF-8.
 */
function refused(bytes: Buffer): RefusedFrame {
  const head = readFrameHead(bytes.toString("latin1"), 0, (from, to) => bytes.toString("utf8", from, to));
  return new RefusedFrame(bytes.length, 0, head);
}

const NOT_JSON = Symbol("not JSON");

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
