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

  /** True when the holder may send `cost` more messages now (and counts them); false counts nothing. */
  allow(holder: { rateBucket?: RateBucket }, cost = 1): boolean {
    if (cost === 1) return this.#take(holder);
    const b = holder.rateBucket;
    const before = b ? { ...b } : undefined;
    for (let i = 0; i < cost; i++) {
      if (this.#take(holder)) continue;
      // All or nothing: an expensive request that does not fit leaves the budget as it was.
      if (before) Object.assign(holder.rateBucket!, before);
      else delete holder.rateBucket;
      return false;
    }
    return true;
  }

  #take(holder: { rateBucket?: RateBucket }): boolean {
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

/** How long a user's budget is kept after its last message (it is full again by then anyway). */
const IDLE_USER_MS = 15_000;

/**
 * Fair share per user (PROTOCOL.md "Starting the server"): one budget for all of a user's connections on
 * every transport, at 4x the per-connection values unless USER_RATE_LIMIT_PER_S / _BURST say otherwise.
 * Budgets of users idle for 15 s are swept (at most every 15 s), so the map holds active users only.
 */
export class UserRateLimiter {
  readonly #limiter: ConnectionRateLimiter;
  readonly #budgets = new Map<string, { rateBucket?: RateBucket; lastUsed: number }>();
  #lastSweep = Date.now();

  constructor(perSecond: number, burst: number) {
    this.#limiter = new ConnectionRateLimiter(perSecond, burst);
  }

  /** True when the user may send `cost` more messages now (and counts them). */
  allow(userId: string, cost = 1): boolean {
    const now = Date.now();
    if (now - this.#lastSweep >= IDLE_USER_MS) this.#sweep(now);
    let budget = this.#budgets.get(userId);
    if (!budget) this.#budgets.set(userId, (budget = { lastUsed: now }));
    budget.lastUsed = now;
    return this.#limiter.allow(budget, cost);
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [userId, budget] of this.#budgets) if (now - budget.lastUsed >= IDLE_USER_MS) this.#budgets.delete(userId);
  }
}

/**
 * Which RATE_LIMITED refusals get traces: the first of each connection in each second. A flood is
 * throttled at the cost of a counter per message, not two trace rows per message (a client sending 50,000
 * messages a second would otherwise write 100,000 rows a second and evict everyone else's traces). The
 * refusals not traced are counted (RouterStats.rateLimitedUntraced, /metrics).
 */
export class RefusalTraceGate {
  readonly #lastTracedSecond = new WeakMap<object, number>();

  /** True when this refusal on `conn` is to be traced (and marks the second as traced). */
  admit(conn: object, now = Date.now()): boolean {
    const second = Math.floor(now / 1000);
    if (this.#lastTracedSecond.get(conn) === second) return false;
    this.#lastTracedSecond.set(conn, second);
    return true;
  }
}
