import { describe, expect, it } from "vitest";
import { ConnectionRateLimiter, type RateBucket } from "./rate-limit";

describe("ConnectionRateLimiter", () => {
  it("lets a burst through, then refills at the sustained rate", () => {
    let now = 0;
    const limiter = new ConnectionRateLimiter(2, 4, () => now);
    const conn: { rateBucket?: RateBucket } = {};
    expect([1, 2, 3, 4, 5].map(() => limiter.allow(conn))).toEqual([true, true, true, true, false]);
    now = 499;
    expect(limiter.allow(conn)).toBe(false);
    now = 500;
    expect(limiter.allow(conn)).toBe(true);
    expect(limiter.allow(conn)).toBe(false);
    now = 60_000;
    // The bucket never holds more than the burst.
    expect([1, 2, 3, 4, 5].map(() => limiter.allow(conn))).toEqual([true, true, true, true, false]);
  });

  it("keeps one bucket per connection", () => {
    const limiter = new ConnectionRateLimiter(1, 1, () => 0);
    const a: { rateBucket?: RateBucket } = {};
    const b: { rateBucket?: RateBucket } = {};
    expect(limiter.allow(a)).toBe(true);
    expect(limiter.allow(a)).toBe(false);
    expect(limiter.allow(b)).toBe(true);
  });
});
