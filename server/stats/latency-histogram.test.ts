import { describe, expect, it } from "vitest";
import { LatencyHistogram } from "./latency-histogram";

describe("LatencyHistogram", () => {
  it("estimates quantiles within 20 %", () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10); // 0.1 .. 100 ms
    expect(h.quantile(0.5)).toBeGreaterThan(50 * 0.8);
    expect(h.quantile(0.5)).toBeLessThan(50 * 1.2);
    expect(h.quantile(0.99)).toBeGreaterThan(99 * 0.8);
    expect(h.quantile(0.99)).toBeLessThan(99 * 1.2);
  });

  it("is zero when empty", () => {
    expect(new LatencyHistogram().quantile(0.99)).toBe(0);
  });
});
