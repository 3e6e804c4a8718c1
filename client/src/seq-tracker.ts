/** A hole in a run's numbering: the seqs skipped when `received` arrived while `expected` was next. */
export interface RunGap {
  expected: number;
  received: number;
  /** The seqs that had not arrived when the gap was seen (filled ones stay listed here; see `RunHandle.missing`). */
  missing: number[];
}

/** What the tracker made of one seq. */
export type SeqOutcome = { kind: "next" } | { kind: "gap"; gap: RunGap } | { kind: "late" } | { kind: "duplicate" };

/**
 * Checks a run's `seq` numbers as they arrive (from 1, no holes): reports a gap when one is skipped,
 * a duplicate when one comes twice (a redelivery), and a late arrival when a skipped one turns up.
 */
export class SeqTracker {
  readonly gaps: RunGap[] = [];
  readonly #seen = new Set<number>();
  readonly #missing = new Set<number>();
  #highest = 0;

  /** Records one seq. */
  observe(seq: number): SeqOutcome {
    if (this.#seen.has(seq)) return { kind: "duplicate" };
    this.#seen.add(seq);
    if (this.#missing.delete(seq)) return { kind: "late" };
    const expected = this.#highest + 1;
    this.#highest = Math.max(this.#highest, seq);
    if (seq <= expected) return { kind: "next" };
    const missing: number[] = [];
    for (let s = expected; s < seq; s++) {
      missing.push(s);
      this.#missing.add(s);
    }
    const gap: RunGap = { expected, received: seq, missing };
    this.gaps.push(gap);
    return { kind: "gap", gap };
  }

  /** The seqs skipped and still not arrived, ascending. */
  missing(): number[] {
    return [...this.#missing].sort((a, b) => a - b);
  }

  /** The highest seq seen (0 before any). */
  get highest(): number {
    return this.#highest;
  }
}
