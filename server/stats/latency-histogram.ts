const MIN_MS = 0.005;
const FACTOR = 1.2;
const BUCKETS = 96; // 0.005 ms * 1.2^95 ≈ 170 s

/**
 * A fixed log-bucket histogram: O(1) record, percentiles within ±10 %, mergeable.
 * Used for per-handler and per-second routing latencies.
 */
export class LatencyHistogram {
  readonly counts = new Uint32Array(BUCKETS);
  total = 0;

  record(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / Math.log(FACTOR)));
    this.counts[i]!++;
    this.total++;
  }

  /** The q-quantile (0..1) in ms, rounded to 3 decimals; 0 when empty. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.round(MIN_MS * FACTOR ** i * 1000) / 1000;
    }
    return Math.round(MIN_MS * FACTOR ** (BUCKETS - 1) * 1000) / 1000;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }
}
