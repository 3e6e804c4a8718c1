import { describe, expect, it } from "vitest";
import { measureEnvelope } from "./envelope-size";

describe("measureEnvelope", () => {
  it("counts exactly the UTF-8 bytes of JSON.stringify", () => {
    const samples: unknown[] = [
      {
        type: "user_message",
        payload: { content: 'héllo 🌍 "quoted" \\ \n', n: 1.5, ok: true, none: null, list: [1, "two", { three: [] }] },
      },
      { type: "x" },
      [1, 2, 3],
      "just a string",
      { a: { b: { c: { d: "deep" } } }, e: [[], {}, [null]] },
    ];
    for (const s of samples) expect(measureEnvelope(s).jsonBytes).toBe(Buffer.byteLength(JSON.stringify(s)));
  });

  it("counts binary attachments by their length and not as JSON", () => {
    const m = measureEnvelope({ type: "x", payload: { blob: Buffer.alloc(1000) } });
    expect(m.binaryBytes).toBe(1000);
    expect(m.jsonBytes).toBeLessThan(100);
  });

  it("measures payload depth without recursion, even 100,000 levels deep", () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    expect(measureEnvelope({ type: "x", payload: deep }).payloadDepth).toBe(100_001);
    expect(measureEnvelope({ type: "x", payload: { a: { b: 1 } } }).payloadDepth).toBe(2);
    expect(measureEnvelope({ type: "x", meta: { a: { b: { c: {} } } } }).payloadDepth).toBe(0);
  });
});
