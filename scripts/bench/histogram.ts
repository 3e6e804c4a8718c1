/**
 * A small log-linear latency histogram (HDR-style): 64 sub-buckets per power of two of microseconds,
 * so any quantile is within ~1.6% of the true value. Mergeable (generators in several processes) and
 * serialisable over IPC as a sparse list of [bucket, count].
 */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;

function bucketOf(us: number): number {
  const v = Math.max(1, Math.round(us));
  if (v < SUB) return v;
  const exp = 31 - Math.clz32(v); // floor(log2 v), >= SUB_BITS
  const shift = exp - SUB_BITS + 1;
  const mantissa = v >>> shift; // in [SUB/2, SUB)
  return SUB + (shift - 1) * (SUB / 2) + (mantissa - SUB / 2);
}

/** The upper edge (in us) of a bucket: what quantiles report. */
function valueOf(bucket: number): number {
  if (bucket < SUB) return bucket;
  const shift = Math.floor((bucket - SUB) / (SUB / 2)) + 1;
  const mantissa = ((bucket - SUB) % (SUB / 2)) + SUB / 2;
  return ((mantissa + 1) << shift) - 1;
}

export type HistogramData = [bucket: number, count: number][];

export class Histogram {
  readonly #counts = new Map<number, number>();
  count = 0;
  sumUs = 0;
  maxUs = 0;

  /** Records one latency in milliseconds. */
  recordMs(ms: number): void {
    const us = ms * 1000;
    const b = bucketOf(us);
    this.#counts.set(b, (this.#counts.get(b) ?? 0) + 1);
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Quantile q in [0, 1], in milliseconds (0 when empty). */
  quantileMs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const b of [...this.#counts.keys()].sort((x, y) => x - y)) {
      seen += this.#counts.get(b)!;
      if (seen >= rank) return Math.min(valueOf(b), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  meanMs(): number {
    return this.count ? this.sumUs / this.count / 1000 : 0;
  }

  reset(): void {
    this.#counts.clear();
    this.count = 0;
    this.sumUs = 0;
    this.maxUs = 0;
  }

  toJSON(): { buckets: HistogramData; count: number; sumUs: number; maxUs: number } {
    return { buckets: [...this.#counts.entries()], count: this.count, sumUs: this.sumUs, maxUs: this.maxUs };
  }

  static from(data: ReturnType<Histogram["toJSON"]>): Histogram {
    const h = new Histogram();
    h.merge(data);
    return h;
  }

  merge(data: ReturnType<Histogram["toJSON"]>): void {
    for (const [b, c] of data.buckets) this.#counts.set(b, (this.#counts.get(b) ?? 0) + c);
    this.count += data.count;
    this.sumUs += data.sumUs;
    this.maxUs = Math.max(this.maxUs, data.maxUs);
  }
}
