import type { FrameHead } from "./refused-frame";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The longest raw key worth decoding: `"message_id"` with every character escaped is 62. */
const MAX_KEY_CHARS = 64;

/**
 * The top-level `type` and `message_id` of the JSON object that starts at `start` in `text`, read
 * without parsing the rest: strings are skipped with `indexOf`, nested objects and arrays by counting
 * brackets in one linear pass (no recursion, nothing built per level), and the scan stops as soon as
 * neither field can still come. A field is looked for only if the text spells its key (or has a `\u`
 * escape that might), so a hostile frame nested 450,000 deep that names no `message_id` costs a few
 * `indexOf` calls. The first occurrence of a key counts (JSON.parse would take the last: only a frame
 * with duplicate keys, refused anyway, can tell). A value that is not a string leaves the field absent.
 * Not an object, or malformed: what was read up to there (never throws). `slice` gives the text of a
 * key or value (by default `text.slice`; bytes read as latin1 pass one that decodes those bytes as UTF-8).
 */
export function readFrameHead(text: string, start: number, slice = (from: number, to: number) => text.slice(from, to)): FrameHead {
  const head: FrameHead = {};
  const escaped = text.indexOf("\\u", start) !== -1;
  let wantType = escaped || text.indexOf('"type"', start) !== -1;
  let wantId = escaped || text.indexOf('"message_id"', start) !== -1;
  let i = skipSpace(text, start);
  if (text.charCodeAt(i) !== OPEN_BRACE) return head;
  i = skipSpace(text, i + 1);
  while ((wantType || wantId) && text.charCodeAt(i) === QUOTE) {
    const keyEnd = skipString(text, i);
    const key = keyEnd - i <= MAX_KEY_CHARS ? parseJson(slice(i, keyEnd)) : undefined;
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return head;
    i = skipSpace(text, i + 1);
    const valueEnd = skipValue(text, i);
    if ((key === "type" && wantType) || (key === "message_id" && wantId)) {
      const value = text.charCodeAt(i) === QUOTE ? parseJson(slice(i, valueEnd)) : undefined;
      if (typeof value === "string") head[key] = value;
      if (key === "type") wantType = false;
      else wantId = false;
    }
    i = skipSpace(text, valueEnd);
    if (text.charCodeAt(i) !== COMMA) return head;
    i = skipSpace(text, i + 1);
  }
  return head;
}

/** The index just past the JSON value at `i` (a string, object, array or scalar), or the text's end. */
export function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return skipString(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) return skipContainer(text, i);
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
    j++;
  }
  return j;
}

/** The index just past the closing quote of the string whose opening quote is at `i`. */
export function skipString(text: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q === -1) return text.length;
    let k = q - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1; // an even run of backslashes escapes only itself
    from = q + 1;
  }
}

/** What each ASCII character is to `skipContainer`: 0 nothing, 1 an opening bracket, 2 a closing one, 3 a quote. */
const STRUCTURE = new Uint8Array(128);
STRUCTURE[OPEN_BRACE] = STRUCTURE[OPEN_BRACKET] = 1;
STRUCTURE[CLOSE_BRACE] = STRUCTURE[CLOSE_BRACKET] = 2;
STRUCTURE[QUOTE] = 3;

/** The index just past the bracket that closes the object or array opened at `i`. */
function skipContainer(text: string, i: number): number {
  let depth = 0;
  const n = text.length;
  for (let j = i; j < n; j++) {
    const c = text.charCodeAt(j);
    const k = c < 128 ? STRUCTURE[c]! : 0;
    if (k === 0) continue;
    if (k === 1) depth++;
    else if (k === 2) {
      if (--depth === 0) return j + 1;
    } else j = skipString(text, j) - 1;
  }
  return n;
}

/** The index of the first character at or after `i` that is not JSON whitespace. */
export function skipSpace(text: string, i: number): number {
  while (isSpace(text.charCodeAt(i))) i++;
  return i;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
