import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../../contract";
import { unpackTraces } from "./packed-traces";
import { rowsIn, TraceQueue } from "./trace-queue";

const events = (from: number, n: number): TraceEvent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `q.${from + i}`, trace_id: "t", ts: from + i, node_id: "n", kind: "delivered" }));

describe("TraceQueue", () => {
  it("keeps rows in order, takes whole chunks up to a count, and bounds what it holds", () => {
    const q = new TraceQueue(1_200);
    expect(q.push(events(0, 1_000))).toBe(0);
    expect(q.push(events(1_000, 300))).toBe(100); // 100 over the bound: dropped
    expect(q.length).toBe(1_200);
    const first = q.take(600); // chunks of 500: two of them
    expect(rowsIn(first)).toBe(1_000);
    expect(first.flatMap(unpackTraces).map((e) => e.id)).toEqual(events(0, 1_000).map((e) => e.id));
    expect(q.length).toBe(200);
    // The write failed: back in front, within the bound.
    expect(q.push(events(2_000, 900))).toBe(0);
    expect(q.putBack(first)).toBe(1_000); // 1,100 queued, room for 100: neither chunk of 500 fits
    expect(q.length).toBe(1_100);
    expect(q.putBack(q.take(1))).toBe(0); // one chunk (200 rows) out and back
    expect(rowsIn(q.take(10_000))).toBe(1_100);
    expect(q.length).toBe(0);
  });
});
