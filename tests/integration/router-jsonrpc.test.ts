import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GOLDEN_PATH,
  isTerminal,
  sessionWhen,
  sleep,
  startTestNode,
  type EventRecord,
  type TestClient,
  type TestNode,
} from "../support/test-node";

/** The JSON-RPC bridge (PROTOCOL.md message table, `jsonrpc_request`). */

let t: TestNode;
let alice: TestClient;
let bob: TestClient;
let bobThread: string;

beforeAll(async () => {
  t = await startTestNode({ FAULT_INJECTION: "1" });
  [alice, bob] = await Promise.all([t.connect("rpc-alice"), t.connect("rpc-bob")]);
  bobThread = (await bob.send({ type: "create_thread", payload: { title: "bob" } })).thread_id as string;
});
afterAll(() => t.stop());

let nextId = 1;

/** Sends one JSON-RPC request; expects an ok ack and returns the response event's payload. */
async function rpc(client: TestClient, method: unknown, params?: unknown, id: unknown = nextId++) {
  const payload: Record<string, unknown> = { jsonrpc: "2.0", method, id };
  if (params !== undefined) payload.params = params;
  const ack = await client.send({ type: "jsonrpc_request", payload });
  expect(ack).toMatchObject({ ok: true, type: "jsonrpc_request" });
  const evt = await client.waitFor((e) => e.type === "jsonrpc_response" && e.trace_id === ack.trace_id);
  expect(evt.user_id).toBe(client.userId);
  return {
    ack,
    evt,
    response: evt.payload as { jsonrpc: string; id: unknown; result?: Record<string, unknown>; error?: { code: number; message?: string } },
  };
}

describe("results", () => {
  it("ping: result is the pong payload, and no separate pong event is sent", async () => {
    const { ack, response } = await rpc(alice, "ping", undefined, 7);
    expect(response).toEqual({ jsonrpc: "2.0", id: 7, result: { timestamp: expect.any(String) } });
    expect(Date.parse(response.result!.timestamp as string)).not.toBeNaN();
    await sleep(50);
    expect(alice.events.filter((e) => e.trace_id === ack.trace_id).map((e) => e.type)).toEqual(["jsonrpc_response"]);
  });

  it("heartbeat: result is the heartbeat_ack payload; string and null ids are echoed", async () => {
    expect((await rpc(alice, "heartbeat", {}, "req-abc")).response).toEqual({
      jsonrpc: "2.0",
      id: "req-abc",
      result: { status: "healthy", timestamp: expect.any(String) },
    });
    expect((await rpc(alice, "ping", {}, null)).response).toMatchObject({ id: null, result: { timestamp: expect.any(String) } });
  });

  it("a method without a reply (pong, error_message) gives {status: processed}", async () => {
    expect((await rpc(alice, "pong")).response.result).toEqual({ status: "processed" });
    expect((await rpc(alice, "error", { error_code: "RPC_CLIENT", error_message: "x" })).response.result).toEqual({ status: "processed" });
  });

  it("validate_content / typing: result is the first reply's payload", async () => {
    const v = (await rpc(alice, "validate_content", { content: "A reasonable answer to the question." })).response.result!;
    expect(v).toMatchObject({ valid: true, score: expect.any(Number), issues: [] });
    expect((await rpc(alice, "typing")).response.result).toMatchObject({ state: expect.any(String) });
  });

  it("user_message: result {run_id, thread_id}, and the run's events flow as usual", async () => {
    const { response } = await rpc(alice, "user_message", { content: "what is 13 * 3?" });
    expect(response.result).toEqual({ run_id: expect.any(String), thread_id: expect.any(String) });
    const { run_id: runId, thread_id: threadId } = response.result as { run_id: string; thread_id: string };
    await alice.waitFor(isTerminal(runId));
    const events = alice.events.filter((e) => e.run_id === runId && e.seq !== undefined);
    expect([...new Set(events.map((e) => e.type))]).toEqual(GOLDEN_PATH);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (const e of events) expect(e).toMatchObject({ run_id: runId, thread_id: threadId, user_id: "rpc-alice" });
    expect(alice.events.some((e) => e.type === "thread_created" && e.payload.thread_id === threadId)).toBe(true);
    expect((await sessionWhen(t, runId)).status).toBe("passed");
  });

  it("aliases work as methods (chat, agent with agent_name)", async () => {
    const chat = (await rpc(alice, "chat", { content: "what is 1 + 1?" })).response.result as { run_id: string };
    const agent = (await rpc(alice, "agent", { content: "what is 2 + 2?", agent_name: "researcher" })).response.result as {
      run_id: string;
    };
    await alice.waitFor(isTerminal(chat.run_id));
    const started = await alice.waitFor((e: EventRecord) => e.run_id === agent.run_id && e.type === "agent_started");
    expect(started.payload.agent_name).toBe("researcher");
    await alice.waitFor(isTerminal(agent.run_id));
  });

  it("create_thread: result is the thread_created payload", async () => {
    const { response } = await rpc(alice, "create_thread", { title: "via rpc" });
    expect(response.result).toEqual({ thread_id: expect.any(String), title: "via rpc" });
  });

  it("the response goes to the requesting connection only", async () => {
    const second = await t.connect("rpc-alice");
    const { ack } = await rpc(alice, "ping");
    await sleep(50);
    expect(second.events.filter((e) => e.trace_id === ack.trace_id)).toEqual([]);
    second.close();
  });
});

describe("errors (the ack is still ok)", () => {
  it.each(["no_such_method", "agent_started", "system_message"])("unknown method %s -> -32601", async (method) => {
    const { response } = await rpc(alice, method, {}, "m");
    expect(response).toMatchObject({ jsonrpc: "2.0", id: "m", error: { code: -32601 } });
    expect(response.result).toBeUndefined();
  });

  it.each<[string, string, unknown]>([
    ["user_message without content", "user_message", {}],
    ["user_message with numeric content", "user_message", { content: 3 }],
    ["params that are not an object", "ping", "hello"],
    ["params that are an array", "ping", [1, 2]],
    ["get_thread_history without thread_id", "get_thread_history", {}],
  ])("invalid params (%s) -> -32602", async (_label, method, params) => {
    const { response } = await rpc(alice, method, params);
    expect(response.error).toMatchObject({ code: -32602 });
    expect(response.result).toBeUndefined();
  });

  it.each<[string, string, () => unknown, string]>([
    ["another user's thread", "get_thread_history", () => ({ thread_id: bobThread }), "FORBIDDEN"],
    ["a run in another user's thread", "user_message", () => ({ content: "hijack", thread_id: bobThread }), "FORBIDDEN"],
    ["a missing thread", "get_thread_history", () => ({ thread_id: "thr_missing" }), "NOT_FOUND"],
    ["a missing run", "stop_agent", () => ({ run_id: "run_missing" }), "NOT_FOUND"],
    ["an unknown agent", "start_agent", () => ({ content: "hi", agent_name: "nobody" }), "NOT_FOUND"],
    ["a user's broadcast", "broadcast", () => ({ content: "hi all" }), "FORBIDDEN"],
    ["a handler that throws", "user_message", () => ({ content: "boom", simulate: { throw: true } }), "HANDLER_ERROR"],
  ])("%s -> -32000 with the contract code as message", async (_label, method, params, code) => {
    const { response } = await rpc(alice, method, params());
    expect(response.error).toMatchObject({ code: -32000, message: code });
    expect(response.result).toBeUndefined();
  });

  it("another user's run -> -32000 FORBIDDEN", async () => {
    const ack = await bob.send({ type: "user_message", payload: { content: "what is 2 * 2?" } });
    await bob.waitFor(isTerminal(ack.run_id as string));
    const { response } = await rpc(alice, "agent_status_request", { run_id: ack.run_id });
    expect(response.error).toMatchObject({ code: -32000, message: "FORBIDDEN" });
    expect(alice.events.filter((e) => e.run_id === ack.run_id)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>]>([
    ["jsonrpc other than 2.0", { jsonrpc: "1.0", method: "ping", id: 1 }],
    ["no method", { jsonrpc: "2.0", id: 1 }],
    ["a numeric method", { jsonrpc: "2.0", method: 5, id: 1 }],
    ["no id", { jsonrpc: "2.0", method: "ping" }],
    ["an object id", { jsonrpc: "2.0", method: "ping", id: { a: 1 } }],
  ])("a malformed request (%s) is INVALID_MESSAGE in the ack, with no response", async (_label, payload) => {
    const ack = await alice.send({ type: "jsonrpc_request", payload });
    expect(ack).toMatchObject({ ok: false, error: { code: "INVALID_MESSAGE" } });
    await sleep(30);
    expect(alice.events.filter((e) => e.trace_id === ack.trace_id)).toEqual([]);
  });

  it("the connection still works after all of it", async () => {
    expect((await rpc(alice, "ping")).response.result).toMatchObject({ timestamp: expect.any(String) });
  });
});
