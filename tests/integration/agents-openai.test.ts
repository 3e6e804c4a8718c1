import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/free-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TraceEvent } from "../../contract";
import { PLACEHOLDER_API_KEY } from "../../server/agent/openai/openai-client";
import { BUILTIN_TOOL_MAP } from "../../server/agent/tools/builtin-tools";
import { type OpenAiCompatibleServer, type RecordedRequest, startOpenAiCompatibleServer } from "../support/openai-compatible-server";
import {
  apiJson,
  eventually,
  type EventRecord,
  GOLDEN_PATH,
  isTerminal,
  runToEnd,
  sessionWhen,
  startTestNode,
  type TestClient,
  type TestNode,
} from "../support/test-node";

/**
 * OpenAI-compatible agents (PROTOCOL.md "Agents"): a real node runs agents declared in an agents file
 * against a real HTTP server speaking the chat completions streaming wire format. Each case checks the
 * events the user receives (seq 1..n), the ack, the error code, the session verdict, the trace, that
 * the key never leaks, and that another user running the built-in agent at the same time saw nothing.
 */

const KEY_ENV = "SWITCHYARD_TEST_OPENAI_KEY";
const UNSET_ENV = "SWITCHYARD_TEST_OPENAI_KEY_UNSET";
const API_KEY = `sk-test-${Math.random().toString(36).slice(2)}-do-not-leak`;
const SECRET_IN_BODY = "sk-live-BODY-SECRET-7f3a9c";

const dir = mkdtempSync(join(tmpdir(), "agents-openai-"));
const savedEnv = { [KEY_ENV]: process.env[KEY_ENV], [UNSET_ENV]: process.env[UNSET_ENV] };
let model: OpenAiCompatibleServer;
let t: TestNode;

beforeAll(async () => {
  model = await startOpenAiCompatibleServer();
  const agent = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    kind: "openai",
    base_url: model.baseUrl(name),
    model: "test-model",
    api_key_env: KEY_ENV,
    ...extra,
  });
  const agents = [
    { name: "assistant", kind: "builtin" },
    agent("oa-tools", { system_prompt: "You are Switchyard's test agent." }),
    agent("oa-badargs", { tools: ["calculator"] }),
    agent("oa-401"),
    agent("oa-truncated"),
    agent("oa-protocol"),
    agent("oa-silent", { timeout_ms: 300, gap_ms: 5000 }),
    agent("oa-loop", { max_steps: 2 }),
    agent("oa-stop"),
    agent("oa-nokey", { api_key_env: UNSET_ENV, tools: [] }),
    agent("oa-retry"),
    { ...agent("oa-refused"), base_url: `http://127.0.0.1:${await freePort()}/v1` },
  ];
  const file = join(dir, "agents.json");
  writeFileSync(file, JSON.stringify(agents));
  process.env[KEY_ENV] = API_KEY;
  delete process.env[UNSET_ENV];
  t = await startTestNode({ AGENTS_FILE: file });
});

afterAll(async () => {
  await t?.stop();
  await model?.close();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Another user running the built-in agent (a plain user_message) while the case runs. */
async function bystander(id: string) {
  const c = await t.connect(`oa-bystander-${id}`);
  const plain = runToEnd(c, { type: "user_message", payload: { content: "what is 3 * 3?" } });
  return {
    /** It saw none of `runId` (nor any other user's event, nor any chunk) and its own run passed. */
    async check(runId: string) {
      const own = await plain;
      expect(own.events.map((e) => e.type)).toEqual([...GOLDEN_PATH]);
      expect(c.events.filter((e) => e.run_id === runId || (e.user_id !== undefined && e.user_id !== c.userId))).toEqual([]);
      expect(c.events.some((e) => e.type === "agent_response_chunk")).toBe(false);
      expect((await sessionWhen(t, own.runId)).verdict).toMatchObject({ passed: true, reasons: [] });
      c.close();
    },
  };
}

/** Starts the named agent and waits for the run's last event: ack, run id, the run's sequenced events. */
async function startRun(c: TestClient, agent: string, content: string, envelope: Record<string, unknown> = {}) {
  const run = await runToEnd(c, { type: "start_agent", payload: { content, agent_name: agent }, ...envelope }, 15_000);
  expect(run.ack).toMatchObject({ ok: true, run_id: expect.any(String), thread_id: expect.any(String) });
  expect(run.events.map((e) => e.seq)).toEqual(run.events.map((_, i) => i + 1));
  expect(run.events.every((e) => e.user_id === c.userId && e.thread_id === run.threadId)).toBe(true);
  return run;
}

const types = (events: EventRecord[]) => events.map((e) => e.type);

/** The run's trace: every event it sent was emitted and delivered; a session verdict was recorded. */
async function traceOf(runId: string, events: EventRecord[]): Promise<TraceEvent[]> {
  return eventually(
    async () => {
      const trace = await apiJson<TraceEvent[]>(t, `/api/traces?run_id=${runId}&limit=1000`);
      const delivered = new Set(trace.filter((e) => e.kind === "delivered").map((e) => e.message_type));
      const done = trace.some((e) => e.kind === "session_verdict") && events.every((e) => delivered.has(e.type));
      return done ? trace : null;
    },
    10_000,
    `the trace of ${runId}`,
  );
}

/** Nothing the user, the session store or the trace holds contains `secret`. */
async function expectNowhere(secret: string, c: TestClient, runId: string) {
  const session = await sessionWhen(t, runId);
  const trace = await apiJson<TraceEvent[]>(t, `/api/traces?run_id=${runId}&limit=1000`);
  const agents = await apiJson<unknown>(t, "/api/agents");
  expect(JSON.stringify([c.events, session, trace, agents])).not.toContain(secret);
}

/** Messages of a recorded request (the chat completions body). */
const messagesOf = (r: RecordedRequest | undefined) => (r?.body as { messages: Record<string, unknown>[] }).messages;

/** Waits for `p`, failing after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms).unref()),
  ]);
}

describe("an OpenAI-compatible agent", () => {
  it("streams a tool call, runs it inside Switchyard, then streams the answer with usage: the session passes", async () => {
    model.script("oa-tools", (reply, _req, i) => {
      if (i === 0) {
        reply.delta({ role: "assistant", content: null });
        reply.toolCall(0, { id: "call_calc_1", name: "calculator", arguments: "" });
        reply.toolCall(0, { arguments: '{"expre' });
        reply.toolCall(0, { arguments: 'ssion": "6 ' });
        reply.toolCall(0, { arguments: '* 7"}' });
        reply.finish("tool_calls");
        reply.usage(20, 9);
      } else {
        reply.delta({ role: "assistant", content: "" });
        for (const d of ["The ", "answer ", "is ", "42."]) reply.text(d);
        reply.finish("stop");
        reply.usage(41, 5);
      }
      reply.done();
    });
    const u = await t.connect("oa-user-tools");
    const other = await bystander("tools");
    const { runId, events } = await startRun(u, "oa-tools", "What is 6 * 7?");

    expect(types(events)).toEqual([
      "agent_started",
      "agent_thinking",
      "tool_executing",
      "tool_completed",
      "agent_thinking",
      "agent_response_chunk",
      "agent_response_chunk",
      "agent_response_chunk",
      "agent_response_chunk",
      "agent_completed",
    ]);
    expect(events[0]!.payload).toEqual({ agent_name: "oa-tools", task_description: "What is 6 * 7?" });
    expect(events[1]!.payload).toMatchObject({ step_number: 1, reasoning: expect.stringContaining("test-model") });
    expect(events[4]!.payload).toMatchObject({ step_number: 2 });
    expect(events[2]!.payload).toEqual({ tool_name: "calculator", tool_call_id: "call_calc_1", parameters: { expression: "6 * 7" } });
    expect(events[3]!.payload).toMatchObject({
      tool_name: "calculator",
      tool_call_id: "call_calc_1",
      success: true,
      results: { value: 42 },
    });
    const chunks = events.filter((e) => e.type === "agent_response_chunk");
    expect(chunks.map((c) => c.payload.delta)).toEqual(["The ", "answer ", "is ", "42."]);
    expect(new Set(chunks.map((c) => c.payload.message_id)).size).toBe(1);
    expect(events.at(-1)!.payload).toMatchObject({
      status: "completed",
      final_response: "The answer is 42.",
      duration_ms: expect.any(Number),
      usage: { input_tokens: 61, output_tokens: 14 },
    });

    // What the model received: the streamed request, the contract's tools, the key, then the tool result.
    const [first, second] = model.requests("oa-tools");
    expect(model.requests("oa-tools")).toHaveLength(2);
    expect(first!.path).toBe("/v1/chat/completions");
    expect(first!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(first!.body).toMatchObject({ model: "test-model", stream: true, stream_options: { include_usage: true } });
    expect(first!.body.tools).toEqual(
      (["calculator", "knowledge_search"] as const).map((n) => ({
        type: "function",
        function: { name: n, description: BUILTIN_TOOL_MAP[n].description, parameters: BUILTIN_TOOL_MAP[n].parameters },
      })),
    );
    expect(first!.body.tools[0].function.parameters).toMatchObject({
      type: "object",
      properties: { expression: { type: "string" } },
      required: ["expression"],
    });
    expect(first!.body.tools[1].function.parameters).toMatchObject({
      type: "object",
      properties: { query: { type: "string" }, limit: { type: "integer", minimum: 1, maximum: 10 } },
      required: ["query"],
    });
    expect(messagesOf(first)).toEqual([
      { role: "system", content: "You are Switchyard's test agent." },
      { role: "user", content: "What is 6 * 7?" },
    ]);
    expect(messagesOf(second).slice(2)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_calc_1", type: "function", function: { name: "calculator", arguments: '{"expression": "6 * 7"}' } }],
      },
      { role: "tool", tool_call_id: "call_calc_1", content: JSON.stringify({ value: 42 }) },
    ]);

    const session = await sessionWhen(t, runId);
    expect(session).toMatchObject({ status: "passed", verdict: { passed: true, reasons: [] }, agent_kind: "openai", chunks: 4 });
    expect(session.ttft_ms).toEqual(expect.any(Number));
    expect(session.events.map((e) => e.type)).toEqual(types(events));
    const trace = await traceOf(runId, events);
    expect(trace.filter((e) => e.kind === "emitted").length).toBeGreaterThanOrEqual(events.length);
    await expectNowhere(API_KEY, u, runId);
    await other.check(runId);
  });

  it("tool arguments that are not JSON or do not fit, and an undeclared tool: tool_completed {success: false}, the loop goes on", async () => {
    model.script("oa-badargs", (reply, _req, i) => {
      if (i === 0) {
        reply.toolCall(0, { id: "call_bad_json", name: "calculator", arguments: "{not json" });
        reply.toolCall(1, { id: "call_bad_fields", name: "calculator", arguments: '{"expr": "1+1"}' });
        reply.toolCall(2, { id: "call_undeclared", name: "knowledge_search", arguments: '{"query": "router"}' });
        reply.finish("tool_calls");
      } else {
        reply.text("I could not use the tools.");
        reply.finish("stop");
      }
      reply.usage(10, 3);
      reply.done();
    });
    const u = await t.connect("oa-user-badargs");
    const other = await bystander("badargs");
    const { runId, events } = await startRun(u, "oa-badargs", "add one and one");

    expect(types(events)).toEqual([
      "agent_started",
      "agent_thinking",
      ...Array.from({ length: 3 }, () => ["tool_executing", "tool_completed"]).flat(),
      "agent_thinking",
      "agent_response_chunk",
      "agent_completed",
    ]);
    const executing = events.filter((e) => e.type === "tool_executing").map((e) => e.payload);
    const completed = events.filter((e) => e.type === "tool_completed").map((e) => e.payload);
    expect(executing.map((p) => p.parameters)).toEqual([{ raw: "{not json" }, { expr: "1+1" }, { query: "router" }]);
    expect(completed.map((p) => [p.tool_call_id, p.success])).toEqual([
      ["call_bad_json", false],
      ["call_bad_fields", false],
      ["call_undeclared", false],
    ]);
    for (const p of completed) expect((p.results as { error: string }).error).toEqual(expect.any(String));
    expect((completed[1]!.results as { error: string }).error).toMatch(/invalid arguments/);
    expect((completed[2]!.results as { error: string }).error).toMatch(/knowledge_search/);
    expect(events.at(-1)!.payload).toMatchObject({
      status: "completed",
      final_response: "I could not use the tools.",
      usage: { input_tokens: 20, output_tokens: 6 },
    });
    // The model got each failure back as its tool message.
    const toolMessages = messagesOf(model.requests("oa-badargs")[1]).filter((m) => m.role === "tool");
    expect(toolMessages.map((m) => m.tool_call_id)).toEqual(["call_bad_json", "call_bad_fields", "call_undeclared"]);
    expect(String(toolMessages[0]!.content)).toContain("not JSON");
    // This agent declares the calculator only.
    expect((model.requests("oa-badargs")[0]!.body.tools as { function: { name: string } }[]).map((x) => x.function.name)).toEqual([
      "calculator",
    ]);

    expect((await sessionWhen(t, runId)).verdict).toMatchObject({ passed: true, reasons: [] });
    await traceOf(runId, events);
    await other.check(runId);
  });

  it("HTTP 401 with a secret in its body: AGENT_UNAVAILABLE naming the status only; the body appears nowhere", async () => {
    model.script("oa-401", (reply) =>
      reply.fail(401, {
        error: { message: `Incorrect API key provided: ${SECRET_IN_BODY}`, type: "invalid_request_error", code: "invalid_api_key" },
      }),
    );
    const u = await t.connect("oa-user-401");
    const other = await bystander("401");
    const { runId, events } = await startRun(u, "oa-401", "hello");

    expect(types(events)).toEqual(["agent_started", "agent_thinking", "agent_error"]);
    expect(events.at(-1)!.payload).toEqual({ error_code: "AGENT_UNAVAILABLE", message: "The agent answered HTTP 401." });
    // Not a connection error: no retry.
    expect(model.requests("oa-401")).toHaveLength(1);
    const session = await sessionWhen(t, runId);
    expect(session).toMatchObject({ status: "failed", verdict: { passed: false, reasons: ["agent_error"] }, agent_kind: "openai" });
    await traceOf(runId, events);
    await expectNowhere(SECRET_IN_BODY, u, runId);
    await expectNowhere(API_KEY, u, runId);
    await other.check(runId);
  });

  it("a stream cut before its finish_reason (connection dropped, or ended cleanly): AGENT_STREAM_TRUNCATED", async () => {
    model.script("oa-truncated", async (reply, _req, i) => {
      reply.text("Partial ");
      reply.text("answer");
      await new Promise((r) => setTimeout(r, 20));
      if (i === 0) reply.cut();
      else reply.end();
    });
    const u = await t.connect("oa-user-truncated");
    const other = await bystander("truncated");
    for (const variant of ["dropped", "ended"]) {
      const { runId, events } = await startRun(u, "oa-truncated", `tell me a story (${variant})`);
      expect(types(events)).toEqual(["agent_started", "agent_thinking", "agent_response_chunk", "agent_response_chunk", "agent_error"]);
      expect(events.at(-1)!.payload).toMatchObject({ error_code: "AGENT_STREAM_TRUNCATED" });
      const session = await sessionWhen(t, runId);
      expect(session).toMatchObject({ status: "failed", verdict: { reasons: ["agent_error"] }, chunks: 2 });
      await traceOf(runId, events);
      if (variant === "dropped") await other.check(runId);
    }
    expect(model.requests("oa-truncated")).toHaveLength(2);
  });

  it("an event that is not JSON, a chunk of the wrong shape, a 200 that is not a stream: AGENT_PROTOCOL_ERROR", async () => {
    model.script("oa-protocol", (reply, _req, i) => {
      if (i === 0) reply.raw("data: {this is not json\n\n");
      else if (i === 1) reply.raw(`data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", choices: "nope" })}\n\n`);
      else return reply.fail(200, { choices: [{ message: { role: "assistant", content: "not streamed" } }] });
      reply.done();
    });
    const u = await t.connect("oa-user-protocol");
    const other = await bystander("protocol");
    let last = "";
    for (const variant of ["not json", "wrong shape", "not a stream"]) {
      const { runId, events } = await startRun(u, "oa-protocol", variant);
      expect(types(events)).toEqual(["agent_started", "agent_thinking", "agent_error"]);
      expect(events.at(-1)!.payload).toMatchObject({ error_code: "AGENT_PROTOCOL_ERROR" });
      expect((await sessionWhen(t, runId)).verdict.reasons).toEqual(["agent_error"]);
      last = runId;
    }
    expect(JSON.stringify(u.events)).not.toContain("not streamed");
    await other.check(last);
  });

  it("an agent that never answers (timeout_ms 300): AGENT_TIMEOUT, and the request is aborted", async () => {
    model.script("oa-silent", (reply, _req, i) => {
      // The first request is never answered; the second goes silent after one delta.
      if (i === 1) reply.text("Hmm");
    });
    const u = await t.connect("oa-user-silent");
    const other = await bystander("silent");
    const started = Date.now();
    const { runId, events } = await startRun(u, "oa-silent", "are you there?");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(types(events)).toEqual(["agent_started", "agent_thinking", "agent_error"]);
    expect(events.at(-1)!.payload).toEqual({ error_code: "AGENT_TIMEOUT", message: "The agent sent nothing for 300 ms." });
    const [request] = model.requests("oa-silent");
    await within(request!.clientClosed, 2000, "the silent agent's connection closing");
    expect(model.requests("oa-silent")).toHaveLength(1);
    expect((await sessionWhen(t, runId)).verdict).toMatchObject({ passed: false, reasons: ["agent_error"] });
    await traceOf(runId, events);
    await other.check(runId);

    // Silent in the middle of its stream: the same.
    const midway = await startRun(u, "oa-silent", "and now?");
    expect(types(midway.events)).toEqual(["agent_started", "agent_thinking", "agent_response_chunk", "agent_error"]);
    expect(midway.events.at(-1)!.payload).toMatchObject({ error_code: "AGENT_TIMEOUT" });
    await within(model.requests("oa-silent")[1]!.clientClosed, 2000, "the silent agent's second connection closing");
  });

  it("a model that always calls a tool, with max_steps 2: AGENT_FAILED saying max_steps was reached", async () => {
    model.script("oa-loop", (reply, _req, i) => {
      reply.toolCall(0, { id: `call_loop_${i}`, name: "calculator", arguments: '{"expression": "1 + 1"}' });
      reply.finish("tool_calls");
      reply.usage(5, 5);
      reply.done();
    });
    const u = await t.connect("oa-user-loop");
    const other = await bystander("loop");
    const { runId, events } = await startRun(u, "oa-loop", "loop forever");
    const turn = ["agent_thinking", "tool_executing", "tool_completed"];
    expect(types(events)).toEqual(["agent_started", ...turn, ...turn, "agent_error"]);
    expect(events.filter((e) => e.type === "agent_thinking").map((e) => e.payload.step_number)).toEqual([1, 2]);
    expect(events.at(-1)!.payload).toMatchObject({ error_code: "AGENT_FAILED", message: expect.stringContaining("max_steps (2)") });
    expect(model.requests("oa-loop")).toHaveLength(2);
    expect((await sessionWhen(t, runId)).verdict).toMatchObject({ passed: false, reasons: ["agent_error"] });
    await traceOf(runId, events);
    await other.check(runId);
  });

  it("stop_agent during a streaming answer: the model server sees its connection close, the run ends cancelled", async () => {
    model.script("oa-stop", async (reply, req) => {
      reply.text("Once ");
      reply.text("upon ");
      await req.clientClosed;
    });
    const u = await t.connect("oa-user-stop");
    const other = await bystander("stop");
    const ack = await u.send({ type: "start_agent", payload: { content: "a long story", agent_name: "oa-stop" } });
    expect(ack).toMatchObject({ ok: true, run_id: expect.any(String) });
    const runId = ack.run_id as string;
    await u.waitFor((e) => e.run_id === runId && e.type === "agent_response_chunk" && e.payload.delta === "upon ");
    expect(await u.send({ type: "stop_agent", payload: { run_id: runId } })).toMatchObject({ ok: true });
    const last = await u.waitFor(isTerminal(runId));
    expect(last.payload).toMatchObject({ status: "cancelled", final_response: "Once upon " });
    await within(model.requests("oa-stop")[0]!.clientClosed, 2000, "the model's connection closing");
    const events = u.events.filter((e) => e.run_id === runId && e.seq !== undefined);
    expect(types(events)).toEqual(["agent_started", "agent_thinking", "agent_response_chunk", "agent_response_chunk", "agent_completed"]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await sessionWhen(t, runId)).status).toBe("cancelled");
    await traceOf(runId, events);
    await other.check(runId);
  });

  it("api_key_env unset: a placeholder key is sent and the run works; a second run of the thread sends its history", async () => {
    expect(process.env[UNSET_ENV]).toBeUndefined();
    model.script("oa-nokey", (reply, _req, i) => {
      reply.text(i === 0 ? "Hello!" : "Still here.");
      reply.finish("stop");
      reply.done();
    });
    const u = await t.connect("oa-user-nokey");
    const other = await bystander("nokey");
    const first = await startRun(u, "oa-nokey", "hi");
    expect(types(first.events)).toEqual(["agent_started", "agent_thinking", "agent_response_chunk", "agent_completed"]);
    // No usage chunk came (the server sent none): agent_completed has no usage.
    expect(first.events.at(-1)!.payload).toEqual({ status: "completed", final_response: "Hello!", duration_ms: expect.any(Number) });
    const [request] = model.requests("oa-nokey");
    expect(request!.headers.authorization).toBe(`Bearer ${PLACEHOLDER_API_KEY}`);
    expect(request!.body.tools).toBeUndefined();
    expect((await sessionWhen(t, first.runId)).verdict).toMatchObject({ passed: true, reasons: [] });
    await traceOf(first.runId, first.events);
    await other.check(first.runId);

    const second = await startRun(u, "oa-nokey", "still there?", { thread_id: first.threadId });
    expect(second.threadId).toBe(first.threadId);
    expect(messagesOf(model.requests("oa-nokey")[1])).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "still there?" },
    ]);
    expect((await sessionWhen(t, second.runId)).status).toBe("passed");
  });

  it("a connection reset before the first event is retried, and the retry's answer is used", async () => {
    model.script("oa-retry", (reply, _req, i) => {
      if (i === 0) return reply.cut();
      reply.text("Second time lucky.");
      reply.finish("stop");
      reply.done();
    });
    const u = await t.connect("oa-user-retry");
    const other = await bystander("retry");
    const { runId, events } = await startRun(u, "oa-retry", "try again");
    expect(types(events)).toEqual(["agent_started", "agent_thinking", "agent_response_chunk", "agent_completed"]);
    expect(model.requests("oa-retry")).toHaveLength(2);
    expect((await sessionWhen(t, runId)).verdict).toMatchObject({ passed: true, reasons: [] });
    await other.check(runId);
  });

  it("connection refused (after two retries): AGENT_UNAVAILABLE", async () => {
    const u = await t.connect("oa-user-refused");
    const other = await bystander("refused");
    const { runId, events } = await startRun(u, "oa-refused", "anyone?");
    expect(types(events)).toEqual(["agent_started", "agent_thinking", "agent_error"]);
    expect(events.at(-1)!.payload).toMatchObject({
      error_code: "AGENT_UNAVAILABLE",
      message: "The agent could not be reached (ECONNREFUSED).",
    });
    expect((await sessionWhen(t, runId)).verdict.reasons).toEqual(["agent_error"]);
    await other.check(runId);
  });
});
