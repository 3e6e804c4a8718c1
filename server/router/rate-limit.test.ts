import { describe, expect, it } from "vitest";
import { ConnectionRateLimiter, type RateBucket } from "./rate-limit";

const allowed = (limiter: ConnectionRateLimiter, conn: { rateBucket?: RateBucket }, n: number) =>
  Array.from({ length: n }, () => limiter.allow(conn)).filter(Boolean).length;

describe("ConnectionRateLimiter", () => {
  it("lets exactly the burst through, then the per-second rate; the reserve refills after 10 s", () => {
    let now = 0;
    const limiter = new ConnectionRateLimiter(50, 100, () => now);
    const conn: { rateBucket?: RateBucket } = {};
    expect(allowed(limiter, conn, 150)).toBe(100);
    now = 999;
    expect(allowed(limiter, conn, 10)).toBe(0);
    now = 1000;
    // A new second: the per-second share, but the reserve is spent until 10 s after it was opened.
    expect(allowed(limiter, conn, 80)).toBe(50);
    now = 10_000;
    expect(allowed(limiter, conn, 150)).toBe(100);
  });

  it("without a reserve (burst <= rate) allows the rate per second, and keeps one state per connection", () => {
    const limiter = new ConnectionRateLimiter(2, 2, () => 0);
    const a: { rateBucket?: RateBucket } = {};
    const b: { rateBucket?: RateBucket } = {};
    expect(allowed(limiter, a, 5)).toBe(2);
    expect(allowed(limiter, b, 1)).toBe(1);
  });
});
