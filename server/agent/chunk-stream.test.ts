import { describe, expect, it } from "vitest";
import { ChunkStream, MAX_MERGED_CHARS, MAX_RESPONSE_CHARS, UNMERGED_CHUNKS_PER_S } from "./chunk-stream";

describe("a run's chunk stream", () => {
  it("sends each delta as one chunk while the run stays under the rate, and joins them exactly", () => {
    const s = new ChunkStream();
    const deltas = ["Hel", "lo ", "wor", "ld", "\u{1F600}"];
    expect(deltas.map((d, i) => s.take("m1", d, i * 10))).toEqual(deltas.map((delta) => ({ kind: "send", messageId: "m1", delta })));
    expect(s.sent).toBe(5);
    expect(s.text).toBe("Hello world\u{1F600}");
  });

  it("merges deltas past the rate into one held chunk, released by flush, keeping the text exact", () => {
    const s = new ChunkStream();
    const sent: string[] = [];
    for (let i = 0; i < UNMERGED_CHUNKS_PER_S; i++) {
      const step = s.take("m", `${i},`, 1);
      if (step.kind === "send") sent.push(step.delta);
    }
    expect(sent).toHaveLength(UNMERGED_CHUNKS_PER_S);
    expect(s.take("m", "a", 2)).toEqual({ kind: "held" });
    expect(s.take("m", "b", 3)).toEqual({ kind: "held" });
    expect(s.holding).toBe(true);
    expect(s.flush()).toEqual({ kind: "send", messageId: "m", delta: "ab" });
    expect(s.flush()).toBeNull();
    expect(s.text).toBe(`${sent.join("")}ab`);
    expect(s.sent).toBe(UNMERGED_CHUNKS_PER_S + 1);
  });

  it("a held chunk leaves at once at its size bound, and a new message_id releases the old one", () => {
    const s = new ChunkStream();
    for (let i = 0; i < UNMERGED_CHUNKS_PER_S; i++) s.take("m", "x", 0);
    expect(s.take("m", "y".repeat(MAX_MERGED_CHARS - 1), 0)).toEqual({ kind: "held" });
    expect(s.take("m", "z", 0)).toMatchObject({ kind: "send", delta: `${"y".repeat(MAX_MERGED_CHARS - 1)}z` });
    expect(s.take("m", "1", 0)).toEqual({ kind: "held" });
    expect(s.take("n", "2", 0)).toEqual({ kind: "send", messageId: "m", delta: "1" });
    expect(s.flush()).toEqual({ kind: "send", messageId: "n", delta: "2" });
  });

  it("a new second lets deltas through one by one again", () => {
    const s = new ChunkStream();
    for (let i = 0; i < UNMERGED_CHUNKS_PER_S; i++) s.take("m", "x", 0);
    expect(s.take("m", "held", 10)).toEqual({ kind: "held" });
    s.flush();
    expect(s.take("m", "free", 1_010)).toEqual({ kind: "send", messageId: "m", delta: "free" });
  });

  it("refuses text past the response bound without keeping it", () => {
    const s = new ChunkStream();
    expect(s.take("m", "a".repeat(MAX_RESPONSE_CHARS), 0).kind).toBe("send");
    expect(s.take("m", "b", 0)).toEqual({ kind: "too_long" });
    expect(s.text.length).toBe(MAX_RESPONSE_CHARS);
  });
});
