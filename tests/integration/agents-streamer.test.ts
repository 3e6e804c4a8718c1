import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentInfo, SessionDetail, SessionSummary } from "../../contract";
import {
  apiJson,
  eventually,
  isTerminal,
  runToEnd,
  sessionWhen,
  startTestNode,
  type TestClient,
  type TestNode,
} from "../support/test-node";

/**
 * Streamed text through the one router (issue 14): the built-in `streamer` sends its answer as one
 * `agent_response_chunk` per word, sequenced and checked like every run event; `final_response` is the
 * chunks joined; sessions record chunks and time to first token; 200 users streaming at once each get
 * only their own chunks; `max_concurrent_runs` refuses with RATE_LIMITED naming the agent.
 */

const dir = mkdtempSync(join(tmpdir(), "agents-streamer-"));
const agentsFile = join(dir, "agents.json");
writeFileSync(
  agentsFile,
  JSON.stringify([
    { name: "assistant", kind: "builtin" },
    { name: "solo", kind: "builtin", stream: true, max_concurrent_runs: 1 },
  ]),
);

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({ AGENTS_FILE: agentsFile, FAULT_INJECTION: "1" });
});
afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const streamed = (c: TestClient, content: string, agent = "streamer") =>
  runToEnd(c, { type: "start_agent", payload: { content, agent_name: agent } });

describe("the streamer agent", () => {
  it("streams its answer as one chunk per word between the tools and agent_completed; final_response is the chunks joined", async () => {
    const [u, bystander] = await Promise.all([t.connect("str-user"), t.connect("str-bystander")]);
    const [{ runId, events }, plain] = await Promise.all([
      streamed(u, "what is 12 * 12 and what does the router do?"),
      runToEnd(bystander, { type: "user_message", payload: { content: "what is 3 * 3?" } }),
    ]);
    const kinds = events.map((e) => e.type);
    const chunks = events.filter((e) => e.type === "agent_response_chunk");
    const completed = events.at(-1)!;
    expect(completed.type).toBe("agent_completed");
    expect(chunks.length).toBeGreaterThan(3);
    expect(kinds.indexOf("agent_response_chunk")).toBeGreaterThan(kinds.lastIndexOf("tool_completed"));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const joined = chunks.map((c) => String(c.payload.delta)).join("");
    expect(completed.payload.final_response).toBe(joined);
    for (const c of chunks) expect(String(c.payload.delta).trim().split(/\s+/)).toHaveLength(1);
    expect(new Set(chunks.map((c) => c.payload.message_id)).size).toBe(1);

    const session = await sessionWhen(t, runId);
    expect(session).toMatchObject({ status: "passed", agent_kind: "builtin", chunks: chunks.length });
    expect(session.ttft_ms).toEqual(expect.any(Number));
    expect(session.ttft_ms!).toBeLessThanOrEqual(session.events.at(-1)!.emitted_at_ms);
    // The answer joins the thread's history as one assistant message.
    const history = await u.send({ type: "get_thread_history", payload: { thread_id: session.thread_id } });
    expect(history).toMatchObject({ ok: true });
    const h = await u.waitFor((e) => e.type === "thread_history");
    expect((h.payload.messages as { role: string; content: string }[]).at(-1)).toMatchObject({ role: "assistant", content: joined });

    // The bystander's plain run saw nothing of it and passed.
    expect(bystander.events.some((e) => e.run_id === runId || e.type === "agent_response_chunk")).toBe(false);
    expect((await sessionWhen(t, plain.runId)).status).toBe("passed");
    const agents = await apiJson<AgentInfo[]>(t, "/api/agents");
    expect(agents.map((a) => a.name)).toEqual(["assistant", "solo", "researcher", "analyst", "streamer"]);
    expect(agents.map((a) => a.default)).toEqual([true, false, false, false, false]);
    expect(agents.find((a) => a.name === "streamer")).toMatchObject({ kind: "builtin", strict: true, stats: { runs: 1, failed: 0 } });
    expect(agents.find((a) => a.name === "streamer")!.stats.ttft_p50_ms).toEqual(expect.any(Number));
  });

  it("a chunk dropped by fault injection leaves a seq hole: missing_event", async () => {
    const u = await t.connect("str-drop");
    const { runId } = await runToEnd(u, {
      type: "start_agent",
      payload: { content: "what is 2 + 2", agent_name: "streamer", simulate: { drop_event: "agent_response_chunk" } },
    });
    const session = await sessionWhen(t, runId);
    expect(session.status).toBe("failed");
    expect(session.verdict.reasons).toEqual(["missing_event"]);
  });

  it("a session list names the agent_error code of a run that ended with one", async () => {
    const u = await t.connect("str-failing");
    const { runId } = await runToEnd(u, { type: "user_message", payload: { content: "what is 9 * 9", simulate: { fail_tool: true } } });
    await sessionWhen(t, runId);
    // Lists read the database (written behind): wait for the row.
    const listed = (id: string) =>
      eventually(
        async () =>
          (await apiJson<SessionSummary[]>(t, "/api/sessions?user_id=str-failing")).find((s) => s.id === id && s.status !== "running"),
        5000,
      );
    expect(await listed(runId)).toMatchObject({ status: "failed", error_code: "TOOL_FAILED" });
    const plain = await runToEnd(u, { type: "user_message", payload: { content: "what is 9 * 8" } });
    await sessionWhen(t, plain.runId);
    expect(await listed(plain.runId)).toMatchObject({ status: "passed", error_code: null });
  });

  it("stop_agent during a streamer run: agent_completed {status: cancelled}, session cancelled", async () => {
    const u = await t.connect("str-stop");
    const ack = await u.send({
      type: "start_agent",
      payload: { content: "what is 7 * 6", agent_name: "streamer", simulate: { delay_ms: 300 } },
    });
    const runId = ack.run_id as string;
    await u.waitFor((e) => e.run_id === runId && e.type === "tool_executing");
    expect(await u.send({ type: "stop_agent", payload: { run_id: runId } })).toMatchObject({ ok: true });
    const last = await u.waitFor(isTerminal(runId));
    expect(last.payload).toMatchObject({ status: "cancelled" });
    expect((await sessionWhen(t, runId)).status).toBe("cancelled");
  });

  it("max_concurrent_runs: a second run of the agent while one runs is RATE_LIMITED naming it; others are unaffected", async () => {
    const [u, other] = await Promise.all([t.connect("str-solo"), t.connect("str-solo-other")]);
    const first = await u.send({
      type: "start_agent",
      payload: { content: "what is 1 + 1", agent_name: "solo", simulate: { delay_ms: 400 } },
    });
    expect(first).toMatchObject({ ok: true });
    const second = await other.send({ type: "start_agent", payload: { content: "what is 2 + 2", agent_name: "solo" } });
    expect(second).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    expect((second.error as { message: string }).message).toContain('"solo"');
    expect((await runToEnd(other, { type: "user_message", payload: { content: "what is 5 + 5" } })).events.at(-1)!.type).toBe(
      "agent_completed",
    );
    await u.waitFor(isTerminal(first.run_id as string));
    expect(await streamed(other, "what is 2 + 2", "solo")).toMatchObject({ ack: { ok: true } });
  });
});

describe("isolation under streaming", () => {
  const USERS = 200;
  it(`${USERS} users streaming at once: every chunk reaches only its owner, every run passes`, async () => {
    const clients = await Promise.all(Array.from({ length: USERS }, (_, i) => t.connect(`str-load-${i}`)));
    const acks = await Promise.all(
      clients.map((c, i) => c.send({ type: "start_agent", payload: { content: `what is ${i} + ${i}?`, agent_name: "streamer" } })),
    );
    const runs = acks.map((a) => a.run_id as string);
    await eventually(() => clients.every((c, i) => c.events.some(isTerminal(runs[i]!))), 60_000, "every streamed run's end");
    const problems: string[] = [];
    clients.forEach((c, i) => {
      for (const e of c.events) {
        if (e.user_id !== c.userId) problems.push(`${c.userId}: ${e.type} of ${e.user_id}`);
        if (e.run_id && e.run_id !== runs[i]) problems.push(`${c.userId}: event of run ${e.run_id}`);
      }
      const own = c.events.filter((e) => e.run_id === runs[i] && e.seq !== undefined);
      if (own.some((e, k) => e.seq !== k + 1)) problems.push(`${c.userId}: seq ${own.map((e) => e.seq).join(",")}`);
      const text = own
        .filter((e) => e.type === "agent_response_chunk")
        .map((e) => String(e.payload.delta))
        .join("");
      if (text === "" || own.at(-1)!.payload.final_response !== text) problems.push(`${c.userId}: final_response is not its chunks`);
      if (!text.includes(String(i + i))) problems.push(`${c.userId}: the answer does not name ${i + i}: ${text}`);
    });
    expect(problems.slice(0, 10)).toEqual([]);
    const sessions = await Promise.all(runs.map((r) => sessionWhen(t, r, undefined, 30_000)));
    expect(sessions.filter((s: SessionDetail) => s.status !== "passed").map((s) => `${s.id} ${s.verdict.reasons.join(",")}`)).toEqual([]);
    expect((await apiJson<{ isolation_violations: number }>(t, "/api/stats")).isolation_violations).toBe(0);
    for (const c of clients) c.close();
  }, 120_000);
});
