import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/free-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAiCompatibleServer, startOpenAiCompatibleServer } from "../support/openai-compatible-server";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver";
import { metricValue, eventually, GOLDEN_PATH, runToEnd, sessionWhen, startTestNode, type TestNode } from "../support/test-node";

/**
 * OpenTelemetry export of runs (PROTOCOL.md "OpenTelemetry export and alerts", docs/observability.md):
 * real nodes export through the official OTLP exporters to a real OTLP/HTTP receiver started here,
 * which decodes what arrives (protobuf or JSON). Each case checks the span tree of one run: names,
 * parents, attributes, timestamps, and that content leaves only when capture is on. A receiver that is
 * down or slow must change nothing for routing, and its drops must show in /metrics.
 */

const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;
const HEADER_VALUE = "Basic dGVzdDpzZWNyZXQ=";

const dir = mkdtempSync(join(tmpdir(), "otel-export-"));
let model: OpenAiCompatibleServer;
let agentsFile: string;

beforeAll(async () => {
  model = await startOpenAiCompatibleServer();
  model.script("oa-tools", (reply, _req, i) => {
    if (i % 2 === 0) {
      reply.delta({ role: "assistant", content: null });
      reply.toolCall(0, { id: `call_calc_${i}`, name: "calculator", arguments: '{"expression": "6 * 7"}' });
      reply.finish("tool_calls");
      reply.usage(20, 9);
    } else {
      for (const d of ["The ", "answer ", "is ", "42."]) reply.text(d);
      reply.finish("stop");
      reply.usage(41, 5);
    }
    reply.done();
  });
  agentsFile = join(dir, "agents.json");
  const oa = { name: "oa-tools", kind: "openai", base_url: model.baseUrl("oa-tools"), model: "test-model" };
  writeFileSync(
    agentsFile,
    JSON.stringify([
      { name: "assistant", kind: "builtin" },
      { ...oa, api_key_env: "OTEL_TEST_UNSET_KEY" },
    ]),
  );
});

afterAll(async () => {
  await model?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The spans of one run's trace, once its root has arrived (and every child that came before it). */
async function traceOf(receiver: OtlpReceiver, runId: string): Promise<{ root: ReceivedSpan; children: ReceivedSpan[] }> {
  const root = await eventually(
    () => receiver.spans.find((s) => s.attributes["session.id"] === runId),
    10_000,
    `the root span of ${runId}`,
  );
  const all = receiver.spans.filter((s) => s.traceId === root.traceId);
  return { root, children: all.filter((s) => s !== root) };
}

const named = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);
const contentKeys = (spans: ReceivedSpan[]) =>
  spans.flatMap((s) => Object.keys(s.attributes)).filter((k) => /messages|arguments|result/.test(k));

/** Every child is a direct child of the root, inside its time span, in the same trace. */
function expectTree(root: ReceivedSpan, children: ReceivedSpan[]) {
  expect(root.parentSpanId).toBe("");
  for (const c of children) {
    expect(c.parentSpanId).toBe(root.spanId);
    expect(c.startNs >= root.startNs && c.endNs <= root.endNs && c.startNs <= c.endNs).toBe(true);
  }
}

async function metric(t: TestNode, series: string): Promise<number> {
  return (await metricValue(t, series)) ?? 0;
}

describe("http/protobuf, content capture off", () => {
  let receiver: OtlpReceiver;
  let t: TestNode;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    t = await startTestNode({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=${encodeURIComponent(HEADER_VALUE)}`,
      OTEL_SERVICE_NAME: "switchyard-test",
      FAULT_INJECTION: "1",
      AGENTS_FILE: agentsFile,
    });
  });
  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
  });

  it("a golden run is one trace: invoke_agent with route, deliver and execute_tool children, verdict passed", async () => {
    const u = await t.connect("otel-golden");
    const content = "What is 6 * 7 and tell me about the switchyard routing";
    const { runId, threadId, events } = await runToEnd(u, { type: "user_message", payload: { content } });
    expect(events.filter((e) => e.type === "tool_executing")).toHaveLength(2);
    expect(events.at(-1)?.type).toBe("agent_completed");
    const { root, children } = await traceOf(receiver, runId);

    expect(root.name).toBe("invoke_agent assistant");
    expect(root.kind).toBe(SPAN_KIND_INTERNAL);
    expect(root.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "assistant",
      "gen_ai.conversation.id": threadId,
      "user.id": "otel-golden",
      "session.id": runId,
      "switchyard.verdict": "passed",
      "switchyard.verdict.reasons": [],
      "switchyard.run.status": "completed",
    });
    expect(root.attributes["error.type"]).toBeUndefined();
    expect(root.status.code).not.toBe(STATUS_ERROR);
    expect(root.resource).toMatchObject({ "service.name": "switchyard-test", "service.instance.id": "test-node" });
    expectTree(root, children);

    const tools = children.filter((s) => s.name.startsWith("execute_tool "));
    expect(tools.map((s) => s.name).sort()).toEqual(["execute_tool calculator", "execute_tool knowledge_search"]);
    const executing = events.filter((e) => e.type === "tool_executing").map((e) => e.payload.tool_call_id);
    expect(tools.map((s) => s.attributes["gen_ai.tool.call.id"]).sort()).toEqual([...executing].sort());
    for (const s of tools) expect(s.attributes["gen_ai.operation.name"]).toBe("execute_tool");

    const [route] = named(children, "switchyard.route");
    expect(route?.attributes).toMatchObject({
      "switchyard.message.type": "user_message",
      "switchyard.handler": "AgentHandler.userMessage",
    });
    const delivers = named(children, "switchyard.deliver");
    expect(delivers.map((s) => s.attributes["switchyard.event.type"]).sort()).toEqual([...new Set(events.map((e) => e.type))].sort());
    for (const d of delivers) {
      const type = d.attributes["switchyard.event.type"];
      expect(d.attributes).toMatchObject({
        "switchyard.deliver.events": events.filter((e) => e.type === type).length,
        "switchyard.deliver.connections": 1,
        "switchyard.isolation.check": "passed",
        "switchyard.isolation.violations": 0,
      });
    }
    // Nothing of the message, the tool arguments or results, nor the exporter's header, left the node.
    expect(contentKeys([root, ...children])).toEqual([]);
    const exported = JSON.stringify([root, ...children], (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    expect(exported).not.toContain("6 * 7");
    expect(exported).not.toContain("switchyard routing");
    expect(exported).not.toContain(HEADER_VALUE);
    expect(receiver.requests[0]).toMatchObject({ path: "/v1/traces", contentType: "application/x-protobuf" });
    expect(receiver.requests[0]!.headers.authorization).toBe(HEADER_VALUE);
    u.close();
  });

  it("a failed run: error status and error.type on the root and the tool, verdict failed with its reasons", async () => {
    const u = await t.connect("otel-failed");
    const { runId, events } = await runToEnd(u, {
      type: "user_message",
      payload: { content: "what is 4 * 4?", simulate: { fail_tool: true } },
    });
    expect(events.at(-1)?.type).toBe("agent_error");
    const session = await sessionWhen(t, runId);
    const { root, children } = await traceOf(receiver, runId);
    expect(root.status.code).toBe(STATUS_ERROR);
    expect(root.attributes).toMatchObject({
      "error.type": "TOOL_FAILED",
      "switchyard.verdict": "failed",
      "switchyard.verdict.reasons": session.verdict.reasons,
      "switchyard.run.status": "failed",
    });
    expect(session.verdict.reasons).toContain("agent_error");
    const [tool] = children.filter((s) => s.name === "execute_tool calculator");
    expect(tool?.status.code).toBe(STATUS_ERROR);
    expect(tool?.attributes["error.type"]).toBe("TOOL_FAILED");
    expectTree(root, children);
    u.close();
  });

  it("an OpenAI-compatible run with a tool call: chat spans per model turn with provider, model and usage; no content", async () => {
    const u = await t.connect("otel-openai");
    const { runId } = await runToEnd(u, { type: "start_agent", payload: { content: "What is 6 * 7?", agent_name: "oa-tools" } }, 15_000);
    const { root, children } = await traceOf(receiver, runId);
    expect(root.name).toBe("invoke_agent oa-tools");
    expect(root.kind).toBe(SPAN_KIND_CLIENT);
    expect(root.attributes).toMatchObject({
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "test-model",
      "gen_ai.usage.input_tokens": 61,
      "gen_ai.usage.output_tokens": 14,
      "switchyard.verdict": "passed",
    });
    const chats = named(children, "chat test-model").sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    expect(chats.map((s) => [s.attributes["gen_ai.usage.input_tokens"], s.attributes["gen_ai.usage.output_tokens"]])).toEqual([
      [20, 9],
      [41, 5],
    ]);
    expect(chats.map((s) => s.attributes["gen_ai.response.finish_reasons"])).toEqual([["tool_calls"], ["stop"]]);
    for (const c of chats) {
      expect(c.kind).toBe(SPAN_KIND_CLIENT);
      expect(c.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "test-model",
      });
    }
    const [tool] = named(children, "execute_tool calculator");
    expect(tool?.attributes["gen_ai.tool.call.id"]).toMatch(/^call_calc_/);
    // In order: model turn, tool, model turn (run events carry millisecond timestamps: 1 ms of slack).
    const ms = 1_000_000n;
    expect(chats[0]!.endNs <= tool!.startNs + ms && tool!.endNs <= chats[1]!.startNs + ms, "turn, tool, turn in order").toBe(true);
    expectTree(root, children);
    expect(contentKeys([root, ...children])).toEqual([]);
    u.close();
  });
});

describe("http/json, content capture on", () => {
  let receiver: OtlpReceiver;
  let t: TestNode;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    t = await startTestNode({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/custom/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true",
      AGENTS_FILE: agentsFile,
    });
  });
  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
  });

  it("exports the same tree as JSON, with the messages, tool arguments and results", async () => {
    const u = await t.connect("otel-json");
    const { runId } = await runToEnd(u, { type: "start_agent", payload: { content: "What is 6 * 7?", agent_name: "oa-tools" } }, 15_000);
    const { root, children } = await traceOf(receiver, runId);
    expect(receiver.requests[0]).toMatchObject({ path: "/custom/traces", contentType: "application/json" });
    expect(root.resource["service.name"]).toBe("switchyard");
    expectTree(root, children);
    expect(JSON.parse(String(root.attributes["gen_ai.input.messages"]))).toEqual([
      { role: "user", parts: [{ type: "text", content: "What is 6 * 7?" }] },
    ]);
    expect(String(root.attributes["gen_ai.output.messages"])).toContain("The answer is 42.");
    const [tool] = named(children, "execute_tool calculator");
    expect(JSON.parse(String(tool?.attributes["gen_ai.tool.call.arguments"]))).toEqual({ expression: "6 * 7" });
    expect(JSON.parse(String(tool?.attributes["gen_ai.tool.call.result"]))).toMatchObject({ value: 42 });
    const chats = named(children, "chat test-model");
    expect(chats.map((c) => String(c.attributes["gen_ai.output.messages"])).join()).toContain('"type":"tool_call"');
    expect(named(children, "switchyard.route")).toHaveLength(1);
    u.close();
  });
});

/** Runs `n` golden runs one after another; returns how long they took and that each passed. */
async function goldenRuns(t: TestNode, user: string, n: number): Promise<number> {
  const u = await t.connect(user);
  const started = Date.now();
  const runIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const { runId, events } = await runToEnd(u, { type: "user_message", payload: { content: `what is ${i} * 7?` } });
    expect(events.map((e) => e.type)).toEqual([...GOLDEN_PATH]);
    runIds.push(runId);
  }
  const took = Date.now() - started;
  for (const runId of runIds) expect((await sessionWhen(t, runId)).verdict).toMatchObject({ passed: true, reasons: [] });
  u.close();
  return took;
}

describe("a collector that is down or slow changes nothing for routing", () => {
  it("down (connection refused): runs pass promptly, the failed exports are counted as drops", async () => {
    const t = await startTestNode({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    try {
      // A receiver that refuses would not hold a run up: ten runs in well under the export timeout.
      expect(await goldenRuns(t, "otel-down", 10)).toBeLessThan(5_000);
      await eventually(
        async () => (await metric(t, 'switchyard_otel_spans_dropped_total{reason="export_failed"}')) > 0,
        20_000,
        "export drops",
      );
      expect(await metric(t, "switchyard_otel_spans_exported_total")).toBe(0);
    } finally {
      await t.stop();
    }
  });

  it("slow (answers after 5 s) with a small queue: runs pass promptly, spans wait or are dropped and counted", async () => {
    const receiver = await startOtlpReceiver({ delayMs: 5_000 });
    const t = await startTestNode({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_MAX_QUEUE_SIZE: "8" });
    try {
      // The first batch (8 spans) is held by the receiver for 5 s: routing must not wait for it.
      expect(await goldenRuns(t, "otel-slow", 10)).toBeLessThan(5_000);
      await eventually(
        async () => (await metric(t, 'switchyard_otel_spans_dropped_total{reason="queue_full"}')) > 0,
        10_000,
        "queue drops",
      );
      expect(await metric(t, "switchyard_otel_spans_pending")).toBeGreaterThan(0);
    } finally {
      await t.stop();
      await receiver.close();
    }
  });
});
