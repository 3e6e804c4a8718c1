import type { TraceEvent } from "../../contract";
import { packTraces, type PackedTraces } from "./packed-traces";

/** Events per packed chunk: a write takes whole chunks, so this bounds how far past its cap it goes. */
const CHUNK_EVENTS = 500;

/**
 * The trace rows waiting for the database, bounded, held packed (packed-traces.ts) from the moment
 * they arrive. Queued as objects, 15,000-50,000 rows under load lived long enough to reach V8's old
 * generation, and the main thread spent a third of its busy time collecting them; packed, a chunk of
 * 500 rows is four typed arrays and three strings.
 */
export class TraceQueue {
  readonly #max: number;
  #chunks: PackedTraces[] = [];
  #length = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** Rows waiting. */
  get length(): number {
    return this.#length;
  }

  /** Queues the events that fit under the bound; returns how many did not (dropped). */
  push(events: readonly TraceEvent[]): number {
    const fit = Math.min(events.length, this.#max - this.#length);
    for (let at = 0; at < fit; at += CHUNK_EVENTS) {
      const chunk = packTraces(events.slice(at, Math.min(fit, at + CHUNK_EVENTS)));
      this.#chunks.push(chunk);
      this.#length += chunk.count;
    }
    return events.length - Math.max(0, fit);
  }

  /** Takes the oldest whole chunks, until at least `rows` rows (or the queue is empty). */
  take(rows: number): PackedTraces[] {
    let n = 0;
    let taken = 0;
    while (n < this.#chunks.length && taken < rows) taken += this.#chunks[n++]!.count;
    this.#length -= taken;
    return this.#chunks.splice(0, n);
  }

  /** The write that took these chunks failed: back in front, within the bound; returns rows dropped. */
  putBack(chunks: PackedTraces[]): number {
    let dropped = 0;
    const kept: PackedTraces[] = [];
    for (const chunk of chunks) {
      if (this.#length + chunk.count <= this.#max) {
        kept.push(chunk);
        this.#length += chunk.count;
      } else dropped += chunk.count;
    }
    this.#chunks = kept.concat(this.#chunks);
    return dropped;
  }
}

/** Rows in these chunks. */
export function rowsIn(chunks: readonly PackedTraces[]): number {
  let n = 0;
  for (const c of chunks) n += c.count;
  return n;
}
