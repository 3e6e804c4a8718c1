const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when a string holds a lone UTF-16 surrogate (text no database or JSON encoder will accept as is). */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * Client text as every database accepts it: lone surrogates and U+0000 (refused by PostgreSQL's text
 * type) become U+FFFD.
 */
export function wellFormed(s: string): string {
  const text = hasLoneSurrogate(s) ? s.toWellFormed() : s;
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}

/** The first `max` UTF-16 units of a string, never ending inside a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
