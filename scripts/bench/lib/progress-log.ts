// Progress on stderr (stdout is kept for the results): permanent lines, and a status line that is
// rewritten in place on a terminal and printed at most every 2.5 s otherwise.
import { performance } from "node:perf_hooks";

const tty = process.stderr.isTTY;
let statusShown = false;
let lastStatusAt = 0;

/** Prints a permanent progress line (clearing the status line first). */
export function log(line: string): void {
  if (statusShown) process.stderr.write("\r\x1b[K");
  statusShown = false;
  process.stderr.write(line + "\n");
}

/** Shows a transient status line. */
export function status(line: string): void {
  if (tty) {
    process.stderr.write("\r\x1b[K" + line);
    statusShown = true;
  } else if (performance.now() - lastStatusAt > 2500) {
    lastStatusAt = performance.now();
    process.stderr.write(line + "\n");
  }
}

/** A whole number with thousands separators, as every bench line prints counts and rates. */
export const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

/** Bytes in a megabyte, for RSS and heap figures. */
export const MB = 1024 * 1024;
