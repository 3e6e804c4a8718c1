import type { RateBucket } from "../../router/rate-limit";

/** Users whose buckets are kept at most before idle ones are dropped. */
const KEPT_USERS = 10_000;
/** A bucket untouched this long is back to full, so dropping it loses nothing (the reserve's window). */
const IDLE_MS = 10_000;

/**
 * The router's rate limit counts per connection, and every AG-UI request is a connection of its own: left
 * alone, each request would come with a fresh budget. The endpoint therefore gives all AG-UI requests of
 * one user the same bucket (`Connection.rateBucket`), so RATE_LIMIT_PER_S / RATE_LIMIT_BURST bound a
 * user's AG-UI runs as they bound one Socket.IO connection.
 */
export class UserRateBuckets {
  readonly #buckets = new Map<string, RateBucket>();

  /** The user's shared bucket (created empty: the router fills it on first use). */
  bucketFor(userId: string): RateBucket {
    let bucket = this.#buckets.get(userId);
    if (!bucket) {
      if (this.#buckets.size >= KEPT_USERS) this.#dropIdle();
      const now = performance.now();
      bucket = { windowStart: now, used: 0, reserveStart: now, reserveUsed: 0 };
      this.#buckets.set(userId, bucket);
    }
    return bucket;
  }

  #dropIdle(): void {
    const now = performance.now();
    for (const [userId, b] of this.#buckets) {
      if (now - b.windowStart >= IDLE_MS && now - b.reserveStart >= IDLE_MS) this.#buckets.delete(userId);
    }
  }
}
