import { BurstyRateLimiter, RateLimiterMemory } from "rate-limiter-flexible";

/**
 * Per-connection rate limit through rate-limiter-flexible: `perSecond` sustained, with `burst - perSecond`
 * more available for short bursts (that reserve refills over 10 s, so the sustained rate stays close
 * to `perSecond`).
 */
export class ConnectionRateLimiter {
  readonly #limiter: BurstyRateLimiter | RateLimiterMemory;

  constructor(perSecond: number, burst: number) {
    const steady = new RateLimiterMemory({ keyPrefix: "rl", points: perSecond, duration: 1 });
    this.#limiter =
      burst > perSecond
        ? new BurstyRateLimiter(steady, new RateLimiterMemory({ keyPrefix: "rl-burst", points: burst - perSecond, duration: 10 }))
        : steady;
  }

  /** Resolves true when the connection may send one more message now. */
  async allow(connectionId: string): Promise<boolean> {
    try {
      await this.#limiter.consume(connectionId, 1);
      return true;
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection;
      return false;
    }
  }
}
