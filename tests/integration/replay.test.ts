import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestNode, type TestNode, type TestClient } from "../support/test-node";

const run = promisify(execFile);

interface Replay {
  replay_id: string;
  verdict: { passed: boolean; reasons: string[] };
  diff: { first_divergence: number | null; entries: { status: string; type: string; changes?: { path: string }[] }[] };
}

let t: TestNode;
let alice: TestClient;
beforeAll(async () => {
  t = await startTestNode({ FAULT_INJECTION: "1", GOLDEN_GAP_MS: "300" });
  alice = await t.connect("alice");
});
afterAll(() => t.stop());

/** Runs one request as alice and waits for its session's final verdict. */
async function failedSession(simulate: Record<string, unknown>, content = "what is 6 * 7"): Promise<string> {
  const ack = await alice.send({ type: "user_message", payload: { content, simulate } });
  expect(ack.ok).toBe(true);
  const runId = ack.run_id as string;
  // The run's own end first (a short GOLDEN_GAP_MS fails the session before a delayed run ends).
  await alice.waitFor((e) => e.run_id === runId && (e.type === "agent_completed" || e.type === "agent_error"));
  await eventually(
    async () => {
      const s = (await (await t.api(`/api/sessions/${runId}`)).json()) as { status: string };
      return s.status === "failed";
    },
    5000,
    `session ${runId} to fail`,
  );
  return runId;
}

async function replay(id: string, faults: "recorded" | "none"): Promise<Replay> {
  const res = await t.api(`/api/sessions/${id}/replay`, {
    method: "POST",
    body: JSON.stringify({ faults }),
    headers: { "Content-Type": "application/json" },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Replay;
}

describe("replay", () => {
  it("drop_event: recorded faults reproduce the missing event; no faults pass, the diff names it", async () => {
    const id = await failedSession({ drop_event: "tool_executing" });
    const same = await replay(id, "recorded");
    expect(same.verdict).toMatchObject({ passed: false, reasons: ["missing_event"] });
    expect(same.diff.first_divergence).toBeNull();
    const clean = await replay(id, "none");
    expect(clean.verdict.passed).toBe(true);
    const first = clean.diff.entries[clean.diff.first_divergence!]!;
    expect(first).toMatchObject({ status: "extra", type: "tool_executing" });
  });

  it("fail_tool: recorded faults fail with agent_error; no faults pass, the diff shows changed, missing and extra", async () => {
    const id = await failedSession({ fail_tool: true });
    expect((await replay(id, "recorded")).verdict).toMatchObject({ passed: false, reasons: ["agent_error"] });
    const clean = await replay(id, "none");
    expect(clean.verdict.passed).toBe(true);
    const byStatus = (s: string) => clean.diff.entries.filter((e) => e.status === s).map((e) => e.type);
    expect(byStatus("changed")).toEqual(["tool_completed"]);
    expect(clean.diff.entries.find((e) => e.status === "changed")!.changes!.map((c) => c.path)).toContain("success");
    expect(byStatus("missing")).toEqual(["agent_error"]);
    expect(byStatus("extra")).toEqual(["agent_completed"]);
    expect(clean.diff.entries[clean.diff.first_divergence!]!.type).toBe("tool_completed");
  });

  it("delay_ms: recorded faults reproduce the gap in virtual time; no faults pass", async () => {
    const id = await failedSession({ delay_ms: 600 });
    const started = Date.now();
    const same = await replay(id, "recorded");
    expect(same.verdict).toMatchObject({ passed: false, reasons: ["gap"] });
    expect((await replay(id, "none")).verdict.passed).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("is deterministic and never reaches the original user's sockets or counts", async () => {
    const id = await failedSession({ fail_tool: true }, "how does replay work");
    const before = alice.events.length;
    const stats = (await (await t.api("/api/stats")).json()) as { messages_routed: number; sessions: Record<string, number> };
    const a = await replay(id, "none");
    const b = await replay(id, "none");
    expect(b.diff).toEqual(a.diff);
    expect(b.verdict).toEqual(a.verdict);
    await new Promise((r) => setTimeout(r, 300));
    expect(alice.events.slice(before).map((e) => `${e.type}:${e.run_id}`)).toEqual([]);
    const after = (await (await t.api("/api/stats")).json()) as { messages_routed: number; sessions: Record<string, number> };
    expect(after.messages_routed).toBe(stats.messages_routed);
    expect(after.sessions).toEqual(stats.sessions);
    const history = (await (await t.api(`/api/sessions/${id}/replays`)).json()) as Replay[];
    expect(history.map((h) => h.replay_id)).toEqual([b.replay_id, a.replay_id]);
  });

  // Three command-line replays, each a fresh tsx process: allow for a busy machine.
  it(
    "exports a fixture that the CLI replays with no server: exit 1 for a failing one, 0 for a passing one",
    { timeout: 180_000 },
    async () => {
      const failing = await failedSession({ drop_event: "agent_thinking" });
      const ack = await alice.send({ type: "user_message", payload: { content: "what is 2 + 2" } });
      const passing = ack.run_id as string;
      await eventually(async () => ((await (await t.api(`/api/sessions/${passing}`)).json()) as { status: string }).status === "passed");
      const files: Record<string, string> = {};
      for (const [name, id] of Object.entries({ failing, passing })) {
        const res = await t.api(`/api/sessions/${id}/export`);
        expect(res.headers.get("content-disposition")).toContain(".json");
        files[name] = join(t.dataDir, `${name}.json`);
        writeFileSync(files[name], await res.text());
      }
      const cli = (file: string, ...args: string[]) =>
        run("npx", ["tsx", "scripts/replay.ts", file, ...args], { cwd: process.cwd() }).then(
          () => 0,
          (err: { code: number; stdout: string }) => err.code,
        );
      expect(await cli(files.failing!)).toBe(1);
      expect(await cli(files.passing!)).toBe(0);
      expect(await cli(files.failing!, "--faults", "none")).toBe(0);
    },
  );
});
