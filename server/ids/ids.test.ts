import { describe, expect, it } from "vitest";
import { isoNow } from "./iso-now";
import { localId } from "./local-id";

describe("hot-path ids and timestamps", () => {
  it("localId never repeats within a process and carries the process's prefix", () => {
    const ids = Array.from({ length: 10_000 }, () => localId());
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.split(".")[0])).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{12}\.[0-9a-z]+$/);
  });

  it("isoNow is the current millisecond in ISO 8601", () => {
    const before = Date.now();
    const iso = isoNow();
    const after = Date.now();
    expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(iso)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(iso)).toBeLessThanOrEqual(after);
  });
});
