import { describe, expect, it } from "vitest";
import { scoreContent } from "./content-scoring";

describe("scoreContent", () => {
  it("scores clean prose 1 and valid", () => {
    expect(scoreContent("Switchyard routes each message through one registry.")).toEqual({ valid: true, score: 1, issues: [] });
  });

  it("penalises placeholders, repetition and unsafe markup", () => {
    const r = scoreContent("TODO " + "same ".repeat(30) + "<script>alert(1)</script>");
    expect(r.valid).toBe(false);
    expect(r.issues.map((i) => i.code)).toEqual(["repetitive", "placeholder_text", "unsafe_markup"]);
    expect(r.score).toBeCloseTo(0.1);
  });

  it("is stricter in strict mode and checks JSON", () => {
    expect(scoreContent("short", "text", false).valid).toBe(true);
    expect(scoreContent("short", "text", true).valid).toBe(false);
    expect(scoreContent("{not valid json at all", "json").issues.map((i) => i.code)).toEqual(["invalid_json"]);
  });
});
