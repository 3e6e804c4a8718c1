import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventType } from "@ag-ui/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentInfo, SessionDetail, TraceEvent } from "../../contract";
import {
  type AgUiAgentServer,
  type Script,
  runFinished,
  runStarted,
  startAgUiAgentServer,
  streamOf,
  textMessage,
  toolCall,
} from "../support/ag-ui-agent-server";
import {
  apiJson,
  eventually,
  type EventRecord,
  runToEnd,
  sessionWhen,
  startTestNode,
  type TestClient,
  type TestNode,
} from "../support/test-node";

/**
 * AG-UI agents end to end (PROTOCOL.md "Agents"): a real node reads a real AG-UI agent server's event
 * stream and maps it to run events per the contract's table, or ends the run with the precise
 * `agent_error` code. Each case checks what the user receives (in order, seq 1..n), the ack, the
 * session's verdict, the run's traces, and that another user running the built-in agent at the same
 * time saw none of it and passed.
 */

const GOLDEN_GAP_MS = 5000;
const KEY_ENV = "SY_TEST_AGENT_KEY";
const AGENT_KEY = `sy-agent-key-${randomUUID()}`;
const BODY_SECRET = `sk-live-${randomUUID()}`;

const dir = mkdtempSync(join(tmpdir(), "agents-ag-ui-"));
const agentsFile = join(dir, "agents.json");
let agent: AgUiAgentServer;
let t: TestNode;
let savedKey: string | undefined;

/** The AG-UI agents of the suite, each on its own path of the agent server. */
const AG_UI_AGENTS: Record<string, Record<string, unknown>> = {
  full: {},
  text: {},
  unpaired: {},
  failing: {},
  truncated: {},
  dropped: {},
  http500: {},
  html: {},
  silent: { timeout_ms: 300, gap_ms: 10_000 },
  disorder: {},
  rerun: {},
  keyed: { headers: { "X-Api-Key": `\${${KEY_ENV}}` } },
  long: {},
  stateful: {},
  legacy: {},
  resetting: {},
  garbled: {},
  misshapen: {},
  interrupting: {},
  stalling: { timeout_ms: 300, gap_ms: 10_000 },
  chatty: { timeout_ms: 500, gap_ms: 10_000 },
  redirecting: {},
  basic: {},
};
/** Credentials in the URL are sent as Basic authorization (fetch refuses them in the URL). */
const withCredentials = (url: string) => url.replace("http://", "http://agent-user:p%40ss-word@");

beforeAll(async () => {
  agent = await startAgUiAgentServer();
  const declarations = [
    // First, so that `user_message` without an agent runs the built-in agent (the bystander's).
    { name: "assistant", kind: "builtin" },
    ...Object.entries(AG_UI_AGENTS).map(([name, extra]) => ({
      name,
      kind: "ag-ui",
      url: name === "basic" ? withCredentials(`${agent.url}/basic`) : `${agent.url}/${name}`,
      ...extra,
    })),
  ];
  writeFileSync(agentsFile, JSON.stringify(declarations));
  savedKey = process.env[KEY_ENV];
  process.env[KEY_ENV] = AGENT_KEY;
  t = await startTestNode({ AGENTS_FILE: agentsFile, GOLDEN_GAP_MS: String(GOLDEN_GAP_MS) });
});

afterAll(async () => {
  await t?.stop();
  await agent?.close();
  if (savedKey === undefined) delete process.env[KEY_ENV];
  else process.env[KEY_ENV] = savedKey;
  rmSync(dir, { recursive: true, force: true });
});

// ---- One case: the AG-UI run and, at the same time, a bystander's built-in run ----
interface CaseRun {
  user: TestClient;
  runId: string;
  threadId: string;
  ack: Record<string, unknown>;
  events: EventRecord[];
  session: SessionDetail;
  traces: TraceEvent[];
}

const tracesOf = (runId: string) =>
  eventually(
    async () => {
      const traces = await apiJson<TraceEvent[]>(t, `/api/traces?run_id=${runId}`);
      return traces.some((tr) => tr.kind === "emitted") ? traces : null;
    },
    10_000,
    `traces of ${runId}`,
  );

async function runCase(agentName: string, content = `ask ${agentName} something`, threadId?: string): Promise<CaseRun> {
  const [user, bystander] = await Promise.all([t.connect(`agui-${agentName}`), t.connect(`bystander-${agentName}`)]);
  const [mine, theirs] = await Promise.all([
    runToEnd(user, { type: "start_agent", payload: { content, agent_name: agentName }, ...(threadId ? { thread_id: threadId } : {}) }),
    runToEnd(bystander, { type: "user_message", payload: { content: "what is 6 * 7?" } }),
  ]);
  expect(mine.ack).toMatchObject({ ok: true, type: "start_agent", run_id: mine.runId, thread_id: mine.threadId });
  expect(mine.events.map((e) => e.seq)).toEqual(mine.events.map((_, i) => i + 1));
  for (const e of mine.events) expect(e).toMatchObject({ run_id: mine.runId, thread_id: mine.threadId, user_id: user.userId });
  // The bystander saw nothing of this run, nothing of this user, and its own run passed.
  expect(bystander.events.filter((e) => e.run_id === mine.runId || e.user_id === user.userId)).toEqual([]);
  expect((await sessionWhen(t, theirs.runId)).status).toBe("passed");
  bystander.close();
  const session = await sessionWhen(t, mine.runId);
  expect(session).toMatchObject({ agent_name: agentName, agent_kind: "ag-ui", user_id: user.userId });
  const traces = await tracesOf(mine.runId);
  expect(traces.every((tr) => tr.run_id === mine.runId)).toBe(true);
  return { user, ...mine, session, traces };
}

const types = (r: CaseRun) => r.events.map((e) => e.type);
const last = (r: CaseRun) => r.events.at(-1)!;

/** A failed run: agent_started (when the agent got that far) then one agent_error with this code. */
function expectAgentError(r: CaseRun, code: string, before: string[] = []) {
  expect(types(r)).toEqual([...before, "agent_error"]);
  expect(last(r).payload).toEqual({ error_code: code, message: expect.any(String) });
  expect(r.session.status).toBe("failed");
  expect(r.session.verdict.reasons).toEqual(["agent_error"]);
  r.user.close();
}

describe("an AG-UI agent's stream becomes run events", () => {
  it("thinking, two tool calls with results, text deltas and RUN_FINISHED: the session passes", async () => {
    agent.on("/full", (s) => {
      s.send(
        runStarted(s),
        { type: EventType.STEP_STARTED, stepName: "plan the answer" },
        { type: EventType.STEP_FINISHED, stepName: "plan the answer" },
        { type: EventType.REASONING_START, messageId: "r1" },
        { type: EventType.REASONING_MESSAGE_START, messageId: "r1m", role: "reasoning" },
        { type: EventType.REASONING_MESSAGE_CONTENT, messageId: "r1m", delta: "The user wants " },
        { type: EventType.REASONING_MESSAGE_CONTENT, messageId: "r1m", delta: "a sum." },
        { type: EventType.REASONING_MESSAGE_END, messageId: "r1m" },
        { type: EventType.REASONING_END, messageId: "r1" },
        ...toolCall("tc-1", "calculator", ['{"expression":', ' "2 + 2"}'], '{"value": 4}'),
        ...toolCall("tc-2", "lookup", ["not json"], "plain text result"),
        ...textMessage("m1", "The answer ", "is ", "4."),
        runFinished(s, {
          result: { ignored: true },
          usage: [
            { inputTokens: 10, outputTokens: 5 },
            { inputTokens: 2, outputTokens: 1 },
          ],
        }),
      );
      s.end();
    });
    const r = await runCase("full", "what is 2 + 2?");
    expect(types(r)).toEqual([
      "agent_started",
      "agent_thinking",
      "agent_thinking",
      "tool_executing",
      "tool_completed",
      "tool_executing",
      "tool_completed",
      "agent_response_chunk",
      "agent_response_chunk",
      "agent_response_chunk",
      "agent_completed",
    ]);
    const [started, step, reasoning, exec1, done1, exec2, done2] = r.events;
    expect(started!.payload).toEqual({ agent_name: "full", task_description: "what is 2 + 2?" });
    expect(step!.payload).toEqual({ reasoning: "plan the answer", step_number: 1 });
    expect(reasoning!.payload).toEqual({ reasoning: "The user wants a sum.", step_number: 2 });
    expect(exec1!.payload).toEqual({ tool_name: "calculator", tool_call_id: "tc-1", parameters: { expression: "2 + 2" } });
    expect(done1!.payload).toEqual({
      tool_name: "calculator",
      tool_call_id: "tc-1",
      results: { value: 4 },
      duration_ms: expect.any(Number),
      success: true,
    });
    expect(exec2!.payload).toEqual({ tool_name: "lookup", tool_call_id: "tc-2", parameters: { raw: "not json" } });
    expect(done2!.payload).toMatchObject({ tool_name: "lookup", tool_call_id: "tc-2", results: "plain text result", success: true });
    const deltas = r.events.filter((e) => e.type === "agent_response_chunk").map((e) => e.payload);
    expect(deltas).toEqual(["The answer ", "is ", "4."].map((delta) => ({ message_id: "m1", delta })));
    expect(last(r).payload).toEqual({
      status: "completed",
      final_response: "The answer is 4.",
      duration_ms: expect.any(Number),
      usage: { input_tokens: 12, output_tokens: 6 },
    });
    expect(r.session.status).toBe("passed");
    expect(r.session.verdict).toMatchObject({ passed: true, reasons: [] });
    expect(r.session.chunks).toBe(3);
    expect(r.session.ttft_ms).toEqual(expect.any(Number));
    r.user.close();
  });

  it("text only (TEXT_MESSAGE_CHUNKs, no thinking, no tools) passes: AG-UI agents are not strict", async () => {
    agent.on("/text", (s) => {
      s.send(
        runStarted(s),
        { type: EventType.TEXT_MESSAGE_CHUNK, messageId: "t1", role: "assistant", delta: "Hello" },
        { type: EventType.TEXT_MESSAGE_CHUNK, messageId: "t1", delta: ", world" },
        runFinished(s, { result: "unused: the chunks are the answer" }),
      );
      s.end();
    });
    const r = await runCase("text");
    expect(types(r)).toEqual(["agent_started", "agent_response_chunk", "agent_response_chunk", "agent_completed"]);
    expect(last(r).payload).toMatchObject({ status: "completed", final_response: "Hello, world" });
    expect(r.session.status).toBe("passed");
    expect(r.session.chunks).toBe(2);
    r.user.close();
  });

  it("legacy THINKING_* and TOOL_CALL_CHUNKs: read as reasoning and a tool call", async () => {
    agent.on("/legacy", (s) => {
      s.send(
        runStarted(s),
        { type: "THINKING_START", title: "thinking" },
        { type: "THINKING_TEXT_MESSAGE_START" },
        { type: "THINKING_TEXT_MESSAGE_CONTENT", delta: "old-style thought" },
        { type: "THINKING_TEXT_MESSAGE_END" },
        { type: "THINKING_END" },
        { type: EventType.TOOL_CALL_CHUNK, toolCallId: "c1", toolCallName: "search", delta: '{"query": ' },
        { type: EventType.TOOL_CALL_CHUNK, toolCallId: "c1", delta: '"agents"}' },
        { type: EventType.TOOL_CALL_RESULT, messageId: "c1-r", toolCallId: "c1", content: "[1, 2]" },
        runFinished(s, { result: "found two" }),
      );
      s.end();
    });
    const r = await runCase("legacy");
    expect(types(r)).toEqual(["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"]);
    expect(r.events[1]!.payload).toEqual({ reasoning: "old-style thought", step_number: 1 });
    expect(r.events[2]!.payload).toEqual({ tool_name: "search", tool_call_id: "c1", parameters: { query: "agents" } });
    expect(r.events[3]!.payload).toMatchObject({ tool_call_id: "c1", results: [1, 2] });
    expect(last(r).payload).toMatchObject({ final_response: "found two" });
    expect(r.session.status).toBe("passed");
    r.user.close();
  });

  it("a tool call never answered stays unanswered: the session fails with unpaired_tool_call", async () => {
    agent.on("/unpaired", (s) => {
      s.send(runStarted(s), ...toolCall("lost-1", "calculator", ['{"expression": "1 + 1"}']), ...textMessage("m", "done"), runFinished(s));
      s.end();
    });
    const r = await runCase("unpaired");
    expect(types(r)).toEqual(["agent_started", "tool_executing", "agent_response_chunk", "agent_completed"]);
    expect(r.session.status).toBe("failed");
    expect(r.session.verdict.reasons).toEqual(["unpaired_tool_call"]);
    r.user.close();
  });

  it("STATE_SNAPSHOT and CUSTOM events map to nothing and are counted per type in GET /api/agents", async () => {
    agent.on("/stateful", (s) => {
      s.send(
        runStarted(s),
        { type: EventType.STATE_SNAPSHOT, snapshot: { step: 1 } },
        { type: EventType.CUSTOM, name: "progress", value: 0.5 },
        ...textMessage("m", "ok"),
        { type: EventType.STATE_SNAPSHOT, snapshot: { step: 2 } },
        runFinished(s),
      );
      s.end();
    });
    const r = await runCase("stateful");
    expect(types(r)).toEqual(["agent_started", "agent_response_chunk", "agent_completed"]);
    expect(r.session.status).toBe("passed");
    const agents = await apiJson<AgentInfo[]>(t, "/api/agents");
    expect(agents.find((a) => a.name === "stateful")!.stats.ignored_events).toEqual({ STATE_SNAPSHOT: 2, CUSTOM: 1 });
    expect(agents.find((a) => a.name === "full")!.stats.ignored_events).toEqual({});
    r.user.close();
  });
});

describe("an AG-UI agent that fails ends the run with agent_error and the precise code", () => {
  it("RUN_ERROR: AGENT_FAILED with the agent's message", async () => {
    agent.on("/failing", streamOf({ type: EventType.RUN_ERROR, message: "model overloaded", code: "overloaded" }));
    const r = await runCase("failing");
    expectAgentError(r, "AGENT_FAILED");
    expect(last(r).payload.message).toBe("model overloaded");
  });

  it("a stream that ends (or drops) after some deltas: AGENT_STREAM_TRUNCATED", async () => {
    const partial = (s: Script) => s.send(runStarted(s), ...textMessage("m", "Half ", "an ").slice(0, 3));
    agent.on("/truncated", (s) => {
      partial(s);
      s.end();
    });
    agent.on("/dropped", async (s) => {
      partial(s);
      await s.pause(50);
      s.destroy();
    });
    for (const name of ["truncated", "dropped"]) {
      const r = await runCase(name);
      expectAgentError(r, "AGENT_STREAM_TRUNCATED", ["agent_started", "agent_response_chunk", "agent_response_chunk"]);
    }
  });

  it("HTTP 500: AGENT_UNAVAILABLE naming the status, never the body; not retried", async () => {
    agent.on("/http500", (s) => s.reply(500, "application/json", JSON.stringify({ error: "boom", api_key: BODY_SECRET })));
    const r = await runCase("http500");
    expectAgentError(r, "AGENT_UNAVAILABLE");
    expect(last(r).payload.message).toBe("The agent answered HTTP 500.");
    expect(JSON.stringify([r.user.events, r.session, r.traces])).not.toContain(BODY_SECRET);
    expect(agent.requests("/http500")).toHaveLength(1);
  });

  it("HTML with 200: AGENT_PROTOCOL_ERROR", async () => {
    agent.on("/html", (s) => s.reply(200, "text/html; charset=utf-8", "<html><body>hello</body></html>"));
    expectAgentError(await runCase("html"), "AGENT_PROTOCOL_ERROR");
  });

  it("an agent that never answers: AGENT_TIMEOUT after its timeout_ms, and the request is closed", async () => {
    agent.on("/silent", (s) => s.pause(30_000));
    const started = Date.now();
    const r = await runCase("silent");
    expectAgentError(r, "AGENT_TIMEOUT");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const request = agent.requests("/silent")[0]!;
    await request.closed;
    expect(request.clientClosed).toBe(true);
  });

  it("events out of AG-UI order: AGENT_PROTOCOL_ERROR", async () => {
    // A TEXT_MESSAGE_CONTENT before its TEXT_MESSAGE_START.
    agent.on("/disorder", (s) => {
      s.send(runStarted(s), { type: EventType.TEXT_MESSAGE_CONTENT, messageId: "nope", delta: "too early" }, runFinished(s));
      s.end();
    });
    expectAgentError(await runCase("disorder"), "AGENT_PROTOCOL_ERROR", ["agent_started"]);
    // A second RUN_STARTED while the run is active.
    agent.on("/rerun", (s) => {
      s.send(runStarted(s), ...textMessage("m", "first"), runStarted(s), runFinished(s));
      s.end();
    });
    expectAgentError(await runCase("rerun"), "AGENT_PROTOCOL_ERROR", ["agent_started", "agent_response_chunk"]);
  });

  it("an event that does not parse, or does not fit the AG-UI schema: AGENT_PROTOCOL_ERROR", async () => {
    agent.on("/garbled", (s) => {
      s.send(runStarted(s));
      s.raw("data: {this is not json\n\n");
      s.end();
    });
    expectAgentError(await runCase("garbled"), "AGENT_PROTOCOL_ERROR", ["agent_started"]);
    agent.on("/misshapen", streamOf({ type: EventType.RUN_STARTED, threadId: 42 }));
    expectAgentError(await runCase("misshapen"), "AGENT_PROTOCOL_ERROR");
  });

  it("a RUN_FINISHED with an interrupt outcome: AGENT_FAILED, human in the loop is not supported yet", async () => {
    agent.on("/interrupting", (s) => {
      s.send(runStarted(s), runFinished(s, { outcome: { type: "interrupt", interrupts: [{ id: "i1", reason: "approval" }] } }));
      s.end();
    });
    const r = await runCase("interrupting");
    expectAgentError(r, "AGENT_FAILED", ["agent_started"]);
    expect(last(r).payload.message).toMatch(/human-in-the-loop interrupts are not supported yet/);
  });

  it("timeout_ms is the longest silence between events: ignored events count, silence after RUN_STARTED times out", async () => {
    agent.on("/chatty", async (s) => {
      s.send(runStarted(s));
      for (let i = 0; i < 8; i++) {
        await s.pause(100);
        s.send({ type: EventType.CUSTOM, name: "heartbeat", value: i });
      }
      s.send(runFinished(s, { result: "still here" }));
      s.end();
    });
    const chatty = await runCase("chatty");
    expect(types(chatty)).toEqual(["agent_started", "agent_completed"]);
    expect(last(chatty).payload).toMatchObject({ final_response: "still here" });
    expect(chatty.session.status).toBe("passed");
    chatty.user.close();
    agent.on("/stalling", async (s) => {
      s.send(runStarted(s));
      await s.pause(30_000);
    });
    expectAgentError(await runCase("stalling"), "AGENT_TIMEOUT", ["agent_started"]);
  });

  it("a connection reset before any event is retried twice, then AGENT_UNAVAILABLE", async () => {
    agent.on("/resetting", (s) => s.destroy());
    const r = await runCase("resetting");
    expectAgentError(r, "AGENT_UNAVAILABLE");
    expect(agent.requests("/resetting")).toHaveLength(3);
  });
});

describe("the request to an AG-UI agent", () => {
  it("carries the declared header with its ${ENV} value and a RunAgentInput; the key shows nowhere", async () => {
    agent.on("/keyed", (s) => {
      s.send(runStarted(s), ...textMessage("m", `answer ${agent.requests("/keyed").length}`), runFinished(s));
      s.end();
    });
    const first = await runCase("keyed", "first question");
    const second = await runCase("keyed", "second question", first.threadId);
    expect(second.threadId).toBe(first.threadId);
    const [req1, req2] = agent.requests("/keyed");
    for (const [req, run] of [
      [req1!, first],
      [req2!, second],
    ] as const) {
      expect(req.headers["x-api-key"]).toBe(AGENT_KEY);
      expect(req.headers["content-type"]).toBe("application/json");
      expect(req.headers.accept).toBe("text/event-stream");
      expect(req.body).toMatchObject({
        threadId: run.threadId,
        runId: run.runId,
        tools: [],
        context: [],
        state: {},
        forwardedProps: { switchyard: { user_id: run.user.userId, agent_name: "keyed" } },
      });
      for (const m of req.body.messages) expect(m.id).toEqual(expect.any(String));
      const everything = JSON.stringify([run.user.events, run.session, run.traces, await apiJson(t, "/api/agents")]);
      expect(everything).not.toContain(AGENT_KEY);
      run.user.close();
    }
    const turns = (req: typeof req1) => req!.body.messages.map((m) => [m.role, (m as { content?: unknown }).content]);
    expect(turns(req1)).toEqual([["user", "first question"]]);
    // The thread's history comes first, then this run's message.
    expect(turns(req2)).toEqual([
      ["user", "first question"],
      ["assistant", "answer 1"],
      ["user", "second question"],
    ]);
  });

  it("credentials in the declared URL go as Basic authorization, and GET /api/agents shows the URL without them", async () => {
    agent.on("/basic", (s) => {
      s.send(runStarted(s), runFinished(s, { result: "authorized" }));
      s.end();
    });
    const r = await runCase("basic");
    expect(types(r)).toEqual(["agent_started", "agent_completed"]);
    expect(last(r).payload).toMatchObject({ final_response: "authorized" });
    expect(agent.requests("/basic")[0]!.headers.authorization).toBe(`Basic ${Buffer.from("agent-user:p@ss-word").toString("base64")}`);
    const agents = await apiJson<AgentInfo[]>(t, "/api/agents");
    expect(agents.find((a) => a.name === "basic")!.url).toBe(`${agent.url}/basic`);
    r.user.close();
  });

  it("a redirect is not followed (it would carry the declared headers elsewhere): AGENT_PROTOCOL_ERROR", async () => {
    agent.on("/redirecting", (s) => s.reply(307, "text/plain", "see /full"));
    expectAgentError(await runCase("redirecting"), "AGENT_PROTOCOL_ERROR");
    expect(agent.requests("/redirecting")).toHaveLength(1);
  });

  it("stop_agent mid-stream closes the agent's connection; the run ends cancelled", async () => {
    agent.on("/long", async (s) => {
      s.send(runStarted(s), { type: EventType.TEXT_MESSAGE_START, messageId: "m", role: "assistant" });
      s.send({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: "m", delta: "Once upon " });
      await s.pause(30_000);
    });
    const [user, bystander] = await Promise.all([t.connect("agui-long"), t.connect("bystander-long")]);
    const ack = await user.send({ type: "start_agent", payload: { content: "tell a long story", agent_name: "long" } });
    expect(ack).toMatchObject({ ok: true, run_id: expect.any(String) });
    const runId = ack.run_id as string;
    const theirs = runToEnd(bystander, { type: "user_message", payload: { content: "what is 5 * 5?" } });
    await user.waitFor((e) => e.run_id === runId && e.type === "agent_response_chunk");
    expect(await user.send({ type: "stop_agent", payload: { run_id: runId } })).toMatchObject({ ok: true });
    await user.waitFor((e) => e.run_id === runId && e.type === "agent_completed");
    const request = await agent.waitForRequest("/long");
    await request.closed;
    expect(request.clientClosed).toBe(true);
    const events = user.events.filter((e) => e.run_id === runId && e.seq !== undefined);
    expect(events.map((e) => e.type)).toEqual(["agent_started", "agent_response_chunk", "agent_completed"]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events.at(-1)!.payload).toMatchObject({ status: "cancelled" });
    expect((await sessionWhen(t, runId, "cancelled")).agent_kind).toBe("ag-ui");
    expect((await tracesOf(runId)).length).toBeGreaterThan(0);
    const { runId: theirRunId } = await theirs;
    expect(bystander.events.filter((e) => e.run_id === runId || e.user_id === user.userId)).toEqual([]);
    expect((await sessionWhen(t, theirRunId)).status).toBe("passed");
    user.close();
    bystander.close();
  });
});
