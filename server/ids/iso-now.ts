let lastMs = -1;
let lastIso = "";

/**
 * The current time as ISO 8601 (`new Date().toISOString()`), built once per millisecond: events of
 * one tick share it. `toISOString` cost 0.7-1.4 µs per call here, and a ping's pong needed two.
 */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
