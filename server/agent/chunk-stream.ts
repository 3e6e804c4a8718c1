/** Chunks a run may send in one second before its further deltas are merged. */
export const UNMERGED_CHUNKS_PER_S = 200;
/** While merging, a merged chunk leaves at least this often. */
export const MERGE_FLUSH_MS = 50;
/** A merged chunk leaves at once when its text reaches this many UTF-16 units. */
export const MAX_MERGED_CHARS = 64 * 1024;
/** A run's streamed text may not pass this many UTF-16 units; past it the run fails (AGENT_FAILED). */
export const MAX_RESPONSE_CHARS = 1024 * 1024;

/** What to do with one delta an agent sent. */
export type ChunkStep = { kind: "send"; messageId: string; delta: string } | { kind: "held" } | { kind: "too_long" };

/**
 * One run's streamed text: its deltas joined (the `final_response`), how many chunks it sent and the
 * merge policy that keeps a flooding agent from sending thousands of events a second. Each delta is one
 * chunk while the run sends at most UNMERGED_CHUNKS_PER_S a second; past that, deltas wait in one merged
 * chunk that leaves every MERGE_FLUSH_MS (or at MAX_MERGED_CHARS), so one run's flood costs other users
 * a bounded number of events.
 */
export class ChunkStream {
  /** Chunks sent (each one an `agent_response_chunk` event). */
  sent = 0;
  #text: string[] = [];
  #length = 0;
  #windowStart = 0;
  #inWindow = 0;
  #pending: { messageId: string; delta: string } | null = null;

  /** The deltas joined so far (merged ones included). */
  get text(): string {
    const joined = this.#text.join("");
    this.#text = [joined];
    return joined;
  }

  get holding(): boolean {
    return this.#pending !== null;
  }

  /** Takes one delta at time `now` (ms): send it, hold it in the merged chunk, or refuse (too long). */
  take(messageId: string, delta: string, now: number): ChunkStep {
    if (this.#length + delta.length > MAX_RESPONSE_CHARS) return { kind: "too_long" };
    this.#length += delta.length;
    this.#text.push(delta);
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    if (this.#pending && this.#pending.messageId === messageId) {
      this.#pending.delta += delta;
      return this.#pending.delta.length >= MAX_MERGED_CHARS ? this.#release() : { kind: "held" };
    }
    if (this.#inWindow < UNMERGED_CHUNKS_PER_S && !this.#pending) {
      this.#inWindow++;
      this.sent++;
      return { kind: "send", messageId, delta };
    }
    // Over the rate (or a new message while one is held): this delta starts or joins the merged chunk.
    if (this.#pending) return this.#release(messageId, delta);
    this.#pending = { messageId, delta };
    return { kind: "held" };
  }

  /** The merged chunk to send now, if one is held. */
  flush(): ChunkStep | null {
    return this.#pending ? this.#release() : null;
  }

  #release(nextMessageId?: string, nextDelta?: string): ChunkStep {
    const out = this.#pending!;
    this.#pending = nextMessageId === undefined ? null : { messageId: nextMessageId, delta: nextDelta! };
    this.#inWindow++;
    this.sent++;
    return { kind: "send", messageId: out.messageId, delta: out.delta };
  }
}
