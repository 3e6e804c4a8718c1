/** A connection's rate-limit state; it lives on the connection, so it goes when the connection goes. */
export interface RateBucket {
  windowStart: number;
  used: number;
  reserveStart: number;
  reserveUsed: number;
}

/** How long the burst reserve takes to refill. */
const RESERVE_WINDOW_MS = 10_000;

/**
 * Per-connection rate limit: `perSecond` messages in each 1 s window, plus a reserve of
 * `burst - perSecond` for short bursts that refills every 10 s, so the sustained rate stays close to
 * `perSecond` (a burst of 150 at the defaults: exactly 100 pass). Synchronous and O(1) per message,
 * with no timers and no map to clean up: the router's hot path pays a few comparisons, not a promise.
 */
export class ConnectionRateLimiter {
  readonly #perSecond: number;
  readonly #reserve: number;
  readonly #now: () => number;

  constructor(perSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.#perSecond = perSecond;
    this.#reserve = Math.max(0, burst - perSecond);
    this.#now = now;
  }

  /** True when the connection may send one more message now (and counts it). */
  allow(holder: { rateBucket?: RateBucket }): boolean {
    const now = this.#now();
    let b = holder.rateBucket;
    if (!b) holder.rateBucket = b = { windowStart: now, used: 0, reserveStart: now, reserveUsed: 0 };
    if (now - b.windowStart >= 1000) {
      b.windowStart = now;
      b.used = 0;
    }
    if (b.used < this.#perSecond) {
      b.used++;
      return true;
    }
    if (now - b.reserveStart >= RESERVE_WINDOW_MS) {
      b.reserveStart = now;
      b.reserveUsed = 0;
    }
    if (b.reserveUsed < this.#reserve) {
      b.reserveUsed++;
      return true;
    }
    return false;
  }
}
