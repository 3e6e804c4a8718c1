import type { RawData } from "ws";

/**
 * What the router gets for one client frame; the router then applies the contract (size first, then
 * shape) and traces any refusal. A text frame is parsed as JSON and the value is routed, so the ack of
 * any JSON envelope, refused or not, carries its `message_id`. What cannot be an envelope is routed as
 * is: a binary frame as its bytes (INVALID_MESSAGE, or PAYLOAD_TOO_LARGE over the limit), a text frame
 * that is not JSON as its text (INVALID_MESSAGE).
 *
 * A text frame whose UTF-8 size is over `maxBytes` is always PAYLOAD_TOO_LARGE: its JSON value is routed
 * when the router's measure (the value's JSON) is over the limit too, and otherwise (the frame is over
 * only by whitespace or escapes, or is not JSON) its text is, which the router measures as a JSON string,
 * never shorter than the frame.
 */
export function inboundFrame(data: RawData, isBinary: boolean, maxBytes: number): unknown {
  const bytes = toBuffer(data);
  if (isBinary) return bytes;
  const text = bytes.toString("utf8");
  const value = parseJson(text);
  if (value === NOT_JSON) return text;
  if (bytes.length > maxBytes && !jsonOver(value, maxBytes)) return text;
  return value;
}

const NOT_JSON = Symbol("not JSON");

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/** True when the value's JSON is over `maxBytes` (false when it cannot be written back, e.g. nested too deep). */
function jsonOver(value: unknown, maxBytes: number): boolean {
  try {
    return Buffer.byteLength(JSON.stringify(value)) > maxBytes;
  } catch {
    return false;
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
