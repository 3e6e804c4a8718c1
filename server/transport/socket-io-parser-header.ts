import { PacketType } from "./socket-io-parser-lib";
import { skipSpace, skipValue } from "./frame-head";

/** A Socket.IO packet's header, read as socket.io-parser reads it, and where its JSON data starts. */
export interface PacketHeader {
  type: PacketType;
  /** Binary attachments announced (binary packets only, else 0). */
  attachments: number;
  nsp: string;
  id?: number;
  dataStart: number;
}

/** Event names socket.io-parser refuses (they have a meaning of their own). */
const RESERVED_EVENTS = new Set(["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]);

/** True where socket.io-parser takes a character for a digit: `Number(c) == c`, loosely, as it compares. */
const digitLike = (c: string): boolean => Number(c) == (c as unknown as number);

/**
 * The header of an encoded packet (type, attachments, namespace, ack id), the same steps as
 * socket.io-parser 4's `decodeString` without touching the data: the same errors for an unknown type and
 * illegal or too many attachments, and the same namespace and id for any input.
 */
export function parsePacketHeader(str: string, maxAttachments: number): PacketHeader {
  let i = 0;
  const type = Number(str.charAt(0)) as PacketType;
  if (PacketType[type] === undefined) throw new Error(`unknown packet type ${type}`);
  let attachments = 0;
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    const start = i + 1;
    while (str.charAt(++i) !== "-" && i !== str.length);
    const buf = str.substring(start, i);
    const n = Number(buf);
    if (!digitLike(buf) || str.charAt(i) !== "-" || !Number.isInteger(n) || n < 1) throw new Error("Illegal attachments");
    if (n > maxAttachments) throw new Error("too many attachments");
    attachments = n;
  }
  let nsp = "/";
  if (str.charAt(i + 1) === "/") {
    const start = i + 1;
    while (++i) {
      if (str.charAt(i) === "," || i === str.length) break;
    }
    nsp = str.substring(start, i);
  }
  let id: number | undefined;
  const next = str.charAt(i + 1);
  if (next !== "" && digitLike(next)) {
    const start = i + 1;
    while (++i) {
      if (!digitLike(str.charAt(i))) {
        --i;
        break;
      }
      if (i === str.length) break;
    }
    id = Number(str.substring(start, i + 1));
  }
  return id === undefined ? { type, attachments, nsp, dataStart: i + 1 } : { type, attachments, nsp, id, dataStart: i + 1 };
}

/** An event's name and where its arguments start (just past the comma, or at `]` when it has none). */
export interface EventHead {
  name: string | number;
  argsStart: number;
}

/**
 * The name of the event whose data (`[name, ...args]`) starts at `start`, read without parsing the
 * arguments. Throws "invalid payload", as socket.io-parser does, when the data is not an array led by a
 * string (not a reserved name) or a number.
 */
export function readEventHead(str: string, start: number): EventHead {
  let i = skipSpace(str, start);
  if (str.charAt(i) !== "[") throw new Error("invalid payload");
  i = skipSpace(str, i + 1);
  const first = str.charAt(i);
  if (first !== '"' && first !== "-" && !(first >= "0" && first <= "9")) throw new Error("invalid payload");
  const end = skipValue(str, i);
  const name = parseJson(str.slice(i, end));
  if (!(typeof name === "number" || (typeof name === "string" && !RESERVED_EVENTS.has(name)))) throw new Error("invalid payload");
  i = skipSpace(str, end);
  if (str.charAt(i) === ",") return { name, argsStart: i + 1 };
  if (str.charAt(i) === "]") return { name, argsStart: i };
  throw new Error("invalid payload");
}

/** True when the data is an array led by a valid event name (socket.io-parser's rule for an event). */
export function isEventData(data: unknown): data is unknown[] {
  if (!Array.isArray(data)) return false;
  const name: unknown = data[0];
  return typeof name === "number" || (typeof name === "string" && !RESERVED_EVENTS.has(name));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
