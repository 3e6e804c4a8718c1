import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { declaredAgents, loadAgentsFile } from "./agents-file";
import { wordDeltas } from "./builtin-agent";

const dir = mkdtempSync(join(tmpdir(), "agents-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (content: unknown, name = `a${Math.random()}.json`) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};

describe("the agents file", () => {
  it("reads the three kinds with their defaults, and substitutes ${ENV} in headers", () => {
    const path = file([
      { name: "graph", kind: "ag-ui", url: "http://127.0.0.1:8000/agent", headers: { Authorization: "Bearer ${SY_UNIT_KEY}" } },
      { name: "local", kind: "openai", base_url: "http://127.0.0.1:11434/v1", model: "llama3.2" },
      { name: "talker", kind: "builtin", stream: true, strict: false, gap_ms: 500 },
    ]);
    const agents = loadAgentsFile(path, true, { SY_UNIT_KEY: "k-123" });
    expect(agents[0]).toMatchObject({ kind: "ag-ui", headers: { Authorization: "Bearer k-123" }, timeout_ms: 120_000 });
    expect(agents[1]).toMatchObject({
      kind: "openai",
      api_key_env: "OPENAI_API_KEY",
      tools: ["calculator", "knowledge_search"],
      max_steps: 8,
    });
    expect(agents[2]).toMatchObject({ kind: "builtin", stream: true, strict: false, gap_ms: 500 });
    expect(declaredAgents(agents).map((a) => a.name)).toEqual([
      "graph",
      "local",
      "talker",
      "assistant",
      "researcher",
      "analyst",
      "streamer",
    ]);
  });

  it("stops the start with one line naming the entry and the field", () => {
    const bad = (content: unknown) => () => loadAgentsFile(file(content), true, {});
    expect(bad("[{")).toThrow(/AGENTS_FILE .*: not valid JSON/);
    expect(bad([{ name: "x", kind: "telepathy" }])).toThrow(/entry 0 \("x"\) field kind/);
    expect(
      bad([
        { name: "ok", kind: "builtin" },
        { name: "y", kind: "ag-ui" },
      ]),
    ).toThrow(/entry 1 \("y"\) field url/);
    expect(bad([{ name: "z", kind: "ag-ui", url: "ftp://x" }])).toThrow(/entry 0 \("z"\) field url: must be an http\(s\) URL/);
    expect(bad([{ name: "bad name!", kind: "builtin" }])).toThrow(/entry 0 .*field name/);
    expect(
      bad([
        { name: "d", kind: "builtin" },
        { name: "d", kind: "builtin" },
      ]),
    ).toThrow(/entry 1 \("d"\): duplicate name/);
    expect(bad([{ name: "e", kind: "ag-ui", url: "http://h/", headers: { K: "${SY_UNSET_VAR}" } }])).toThrow(
      /entry 0 \("e"\) field headers\.K: environment variable SY_UNSET_VAR is not set/,
    );
  });

  it("an absent default file means built-ins only; an absent explicit one stops the start", () => {
    expect(loadAgentsFile(join(dir, "none.json"), false)).toEqual([]);
    expect(() => loadAgentsFile(join(dir, "none.json"), true)).toThrow(/no such file/);
  });

  it("never puts a header's value in an error", () => {
    const path = file([{ name: "s", kind: "ag-ui", url: "http://h/", headers: { K: "${SY_SECRET}" }, timeout_ms: -1 }]);
    expect(() => loadAgentsFile(path, true, { SY_SECRET: "hunter2" })).toThrow(/field timeout_ms/);
    try {
      loadAgentsFile(path, true, { SY_SECRET: "hunter2" });
    } catch (err) {
      expect(String(err)).not.toContain("hunter2");
    }
  });
});

describe("the streamer's deltas", () => {
  it("are one per word with its spaces, joined exactly the answer", () => {
    for (const text of ["2 + 2 = 4.", "  leading and trailing  ", "one", "", "emoji \u{1F600} and\nnew lines"]) {
      const deltas = wordDeltas(text);
      expect(deltas.join("")).toBe(text);
      for (const d of deltas.slice(1)) expect(d.trim()).not.toBe("");
    }
    expect(wordDeltas("a b  c")).toEqual(["a ", "b  ", "c"]);
  });
});
