/** A connection's token bucket; it lives on the connection, so it goes when the connection goes. */
export interface RateBucket {
  tokens: number;
  at: number;
}

/**
 * Per-connection rate limit: a token bucket holding up to `burst` messages, refilled at `perSecond`.
 * Synchronous and O(1) per message, with no timers and no map to clean up: the router's hot path
 * pays one subtraction, not a promise.
 */
export class ConnectionRateLimiter {
  readonly #perMs: number;
  readonly #capacity: number;
  readonly #now: () => number;

  constructor(perSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.#perMs = perSecond / 1000;
    this.#capacity = Math.max(1, burst);
    this.#now = now;
  }

  /** True when the connection may send one more message now (and takes its token). */
  allow(holder: { rateBucket?: RateBucket }): boolean {
    const now = this.#now();
    const bucket = holder.rateBucket;
    if (!bucket) {
      holder.rateBucket = { tokens: this.#capacity - 1, at: now };
      return true;
    }
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
