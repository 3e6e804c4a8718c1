import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SERVER_ONLY } from "../support/fuzz-envelopes";
import {
  apiJson,
  emitRaw,
  eventually,
  isTerminal,
  runToEnd,
  sessionWhen,
  sleep,
  startTestNode,
  type TestClient,
  type TestNode,
} from "../support/test-node";

/**
 * Every error code of PROTOCOL.md "Errors" that a message can earn, and the promise that goes with it:
 * a bad message never closes the connection, never affects another user, and is traced.
 */

const LIMIT = 65536; // MAX_MESSAGE_BYTES default

let t: TestNode;
let mallory: TestClient;
let bystander: TestClient;
let bob: TestClient;
let bobThread: string;
let longRun: string;
const bystanderRuns: string[] = [];

beforeAll(async () => {
  // Every bad message counts against the rate limit (it runs first); this file sends hundreds on one connection.
  t = await startTestNode({ FAULT_INJECTION: "1", RATE_LIMIT_PER_S: "10000", RATE_LIMIT_BURST: "10000" });
  [mallory, bystander, bob] = await Promise.all([t.connect("err-mallory"), t.connect("err-bystander"), t.connect("err-bob")]);
  bobThread = (await bob.send({ type: "create_thread", payload: { title: "bob's" } })).thread_id as string;
  // A run of another user that spans the whole file: it must still pass at the end.
  const ack = await bystander.send({ type: "user_message", payload: { content: "what is 100 / 4?", simulate: { delay_ms: 2500 } } });
  longRun = ack.run_id as string;
});
afterAll(() => t.stop());

/** After every bad message: the sender's connection is open and works, and another user's run passes. */
afterEach(async () => {
  expect(mallory.socket.connected).toBe(true);
  const ping = await mallory.send({ type: "ping" });
  expect(ping).toMatchObject({ ok: true, type: "ping" });
  await mallory.waitFor((e) => e.type === "pong" && e.trace_id === ping.trace_id);
  const { runId, events } = await runToEnd(bystander, { type: "user_message", payload: { content: "what is 2 * 21?" } });
  expect(events.at(-1)!.payload.status).toBe("completed");
  bystanderRuns.push(runId); // their verdicts are checked by the last test
});

const code = (ack: Record<string, unknown>) => (ack.ok === false ? (ack.error as { code: string }).code : "ok");

function expectError(ack: Record<string, unknown>, expected: string) {
  expect(ack).toMatchObject({ ok: false, error: { code: expected, message: expect.any(String) }, trace_id: expect.any(String) });
}

/** An envelope whose JSON is exactly `bytes` UTF-8 bytes long. */
function envelopeOfBytes(bytes: number, pad = "x"): Record<string, unknown> {
  const base = { type: "ping", payload: { pad: "" } };
  const overhead = Buffer.byteLength(JSON.stringify(base));
  const unit = Buffer.byteLength(pad);
  const env = { type: "ping", payload: { pad: pad.repeat(Math.floor((bytes - overhead) / unit)) } };
  env.payload.pad += "x".repeat(bytes - Buffer.byteLength(JSON.stringify(env)));
  expect(Buffer.byteLength(JSON.stringify(env))).toBe(bytes);
  return env;
}

/** A payload nested `levels` objects deep (the payload object itself is level 1). */
function nested(levels: number, leaf: Record<string, unknown> = {}): Record<string, unknown> {
  let p: Record<string, unknown> = leaf;
  for (let i = 1; i < levels; i++) p = { n: p };
  return p;
}

describe("INVALID_MESSAGE", () => {
  it("text limits count UTF-16 units, as the contract does (an emoji is two), not code points", async () => {
    const emoji = "\u{1F600}";
    expectError(await emitRaw(mallory, { type: emoji.repeat(33) }), "INVALID_MESSAGE");
    expectError(await emitRaw(mallory, { type: "ping", thread_id: emoji.repeat(65) }), "INVALID_MESSAGE");
    expectError(await emitRaw(mallory, { type: "create_thread", payload: { title: emoji.repeat(101) } }), "INVALID_MESSAGE");
    expect(await emitRaw(mallory, { type: "create_thread", payload: { title: emoji.repeat(100) } })).toMatchObject({ ok: true });
  });

  it.each([
    ["a string", "hello"],
    ["a number", 42],
    ["null", null],
    ["an array", [{ type: "ping" }]],
    ["a boolean", true],
  ])("a message that is %s", async (_label, raw) => {
    expectError(await emitRaw(mallory, raw), "INVALID_MESSAGE");
  });

  it("a message with no envelope at all", async () => {
    expectError(await emitRaw(mallory), "INVALID_MESSAGE");
  });

  it.each([
    ["no type", { payload: {} }],
    ["a numeric type", { type: 7 }],
    ["an empty type", { type: "" }],
    ["an object type", { type: { name: "ping" } }],
    ["a numeric message_id", { type: "ping", message_id: 12 }],
    ["an empty message_id", { type: "ping", message_id: "" }],
    ["a numeric thread_id", { type: "ping", thread_id: 12 }],
    ["a string payload", { type: "ping", payload: "hi" }],
    ["an array payload", { type: "ping", payload: [1, 2] }],
  ])("an envelope with %s", async (_label, env) => {
    expectError(await mallory.send(env), "INVALID_MESSAGE");
  });

  it.each([
    ["user_message without content", { type: "user_message", payload: {} }],
    ["user_message with empty content", { type: "user_message", payload: { content: "" } }],
    ["user_message with numeric content", { type: "chat", payload: { content: 5 } }],
    ["user_message with content over 32768 units", { type: "user_message", payload: { content: "a".repeat(32769) } }],
    ["start_agent with a numeric agent_name", { type: "start_agent", payload: { content: "hi", agent_name: 3 } }],
    ["stop_agent without run_id", { type: "stop_agent", payload: {} }],
    ["agent_status_request with a numeric run_id", { type: "agent_status_request", payload: { run_id: 1 } }],
    ["get_thread_history without thread_id", { type: "get_thread_history", payload: {} }],
    ["get_thread_history with limit 0", { type: "get_thread_history", payload: { thread_id: "x", limit: 0 } }],
    ["subscribe_quality_alerts with a bad action", { type: "subscribe_quality_alerts", payload: { action: "maybe" } }],
    ["generate_quality_report with a bad report_type", { type: "generate_quality_report", payload: { report_type: "long" } }],
    ["validate_content with a numeric content", { type: "validate_content", payload: { content: 1 } }],
    ["error_message without error_code", { type: "error_message", payload: { error_message: "x" } }],
    ["jsonrpc_request with jsonrpc 1.0", { type: "jsonrpc_request", payload: { jsonrpc: "1.0", method: "ping", id: 1 } }],
    ["a simulate outside its bounds", { type: "user_message", payload: { content: "hi", simulate: { delay_ms: 60001 } } }],
  ])("an invalid payload: %s", async (_label, env) => {
    const ack = await mallory.send(env);
    expectError(ack, "INVALID_MESSAGE");
    expect(ack.run_id).toBeUndefined();
  });

  it("content of exactly 32768 UTF-16 units is accepted", async () => {
    const { runId } = await runToEnd(mallory, { type: "user_message", payload: { content: "a".repeat(32768) } });
    expect(runId).toBeTruthy();
  });

  it("a payload nested 32 levels deep is accepted, 33 levels is INVALID_MESSAGE", async () => {
    expect(await mallory.send({ type: "ping", payload: nested(32) })).toMatchObject({ ok: true });
    expectError(await mallory.send({ type: "ping", payload: nested(33) }), "INVALID_MESSAGE");
    expectError(await mallory.send({ type: "ping", payload: nested(500) }), "INVALID_MESSAGE");
    // Arrays are levels too: the payload plus 32 nested arrays is 33 levels.
    let arrays: unknown = [];
    for (let i = 1; i < 32; i++) arrays = [arrays];
    expectError(await mallory.send({ type: "ping", payload: { a: arrays } }), "INVALID_MESSAGE");
    expect(await mallory.send({ type: "ping", payload: { a: (arrays as unknown[])[0] } })).toMatchObject({ ok: true });
  });

  it("depth counts containers: 32 nested objects with a value in the innermost one are accepted", async () => {
    expect(await mallory.send({ type: "ping", payload: nested(32, { leaf: "value" }) })).toMatchObject({ ok: true });
  });

  it("unknown payload fields are ignored", async () => {
    expect(await mallory.send({ type: "ping", payload: { whatever: [1, 2, 3] }, extra: true })).toMatchObject({ ok: true });
  });
});

describe("UNKNOWN_MESSAGE_TYPE", () => {
  it("a type not in the table, which then shows in GET /api/handlers/unhandled", async () => {
    const ack = await mallory.send({ type: "teleport_user" });
    expectError(ack, "UNKNOWN_MESSAGE_TYPE");
    await mallory.send({ type: "teleport_user" });
    const unhandled = await apiJson<{ type: string; count: number; last_seen: string }[]>(t, "/api/handlers/unhandled");
    const row = unhandled.find((u) => u.type === "teleport_user");
    expect(row).toMatchObject({ count: 2 });
    expect(Date.parse(row!.last_seen)).not.toBeNaN();
    expect(unhandled.find((u) => u.type === "ping")).toBeUndefined();
  });

  it("type names are case sensitive", async () => {
    expectError(await mallory.send({ type: "PING" }), "UNKNOWN_MESSAGE_TYPE");
  });
});

describe("SERVER_ONLY_TYPE", () => {
  it.each(SERVER_ONLY)("a client sending %s", async (type) => {
    expectError(await mallory.send({ type, payload: {} }), "SERVER_ONLY_TYPE");
  });

  it("server-only types are not listed as unhandled", async () => {
    await mallory.send({ type: "agent_completed" });
    const unhandled = await apiJson<{ type: string }[]>(t, "/api/handlers/unhandled");
    expect(unhandled.map((u) => u.type)).not.toContain("agent_completed");
  });
});

describe("PAYLOAD_TOO_LARGE", () => {
  it("an envelope of exactly MAX_MESSAGE_BYTES passes, one byte more does not", async () => {
    expect(await mallory.send(envelopeOfBytes(LIMIT))).toMatchObject({ ok: true, type: "ping" });
    const ack = await mallory.send(envelopeOfBytes(LIMIT + 1));
    expectError(ack, "PAYLOAD_TOO_LARGE");
  });

  it("is measured in UTF-8 bytes, not characters", async () => {
    // 40000 two-byte characters: 40000 UTF-16 units, 80000+ UTF-8 bytes.
    const env = { type: "ping", payload: { pad: "é".repeat(40000) } };
    expect(JSON.stringify(env).length).toBeLessThan(LIMIT);
    expectError(await mallory.send(env), "PAYLOAD_TOO_LARGE");
    expect(await mallory.send(envelopeOfBytes(LIMIT, "é"))).toMatchObject({ ok: true });
  });

  it("counts the bytes of a binary attachment", async () => {
    expect(await mallory.send({ type: "ping", payload: { blob: Buffer.alloc(LIMIT - 200) } })).toMatchObject({ ok: true });
    expectError(await mallory.send({ type: "ping", payload: { blob: Buffer.alloc(LIMIT) } }), "PAYLOAD_TOO_LARGE");
    expectError(
      await mallory.send({ type: "ping", payload: { a: Buffer.alloc(LIMIT / 2), b: Buffer.alloc(LIMIT / 2) } }),
      "PAYLOAD_TOO_LARGE",
    );
  });

  it("is checked before any other validation", async () => {
    const big = "x".repeat(LIMIT + 10);
    expectError(await emitRaw(mallory, big), "PAYLOAD_TOO_LARGE");
    expectError(await mallory.send({ type: 12, payload: { big } }), "PAYLOAD_TOO_LARGE");
    expectError(await mallory.send({ payload: { big } }), "PAYLOAD_TOO_LARGE");
    expectError(await mallory.send({ type: "oversized_unknown_type", payload: { big } }), "PAYLOAD_TOO_LARGE");
    expectError(await mallory.send({ type: "agent_completed", payload: { big } }), "PAYLOAD_TOO_LARGE");
    expectError(await mallory.send({ type: "user_message", payload: { content: "", big } }), "PAYLOAD_TOO_LARGE");
    expectError(await mallory.send({ type: "ping", payload: { ...nested(40), big } }), "PAYLOAD_TOO_LARGE");
    expectError(await mallory.send({ type: "get_thread_history", payload: { thread_id: bobThread, big } }), "PAYLOAD_TOO_LARGE");
    const unhandled = await apiJson<{ type: string }[]>(t, "/api/handlers/unhandled");
    expect(unhandled.map((u) => u.type)).not.toContain("oversized_unknown_type");
  });
});

describe("FORBIDDEN and NOT_FOUND", () => {
  let bobRun: string;
  beforeAll(async () => {
    bobRun = (await runToEnd(bob, { type: "user_message", thread_id: bobThread, payload: { content: "what is 3 * 3?" } })).runId;
  });

  it("another user's thread_id in the envelope is FORBIDDEN, a missing one NOT_FOUND (no run starts)", async () => {
    const forbidden = await mallory.send({ type: "user_message", thread_id: bobThread, payload: { content: "hijack" } });
    expectError(forbidden, "FORBIDDEN");
    expect(forbidden.run_id).toBeUndefined();
    expectError(await mallory.send({ type: "user_typing", thread_id: bobThread }), "FORBIDDEN");
    expectError(await mallory.send({ type: "user_message", thread_id: "thr_missing", payload: { content: "x" } }), "NOT_FOUND");
    expectError(await mallory.send({ type: "typing_started", thread_id: "thr_missing" }), "NOT_FOUND");
  });

  it("another user's thread_id in the payload is FORBIDDEN, a missing one NOT_FOUND", async () => {
    expectError(await mallory.send({ type: "get_thread_history", payload: { thread_id: bobThread } }), "FORBIDDEN");
    expectError(await mallory.send({ type: "user_typing", payload: { thread_id: bobThread } }), "FORBIDDEN");
    expectError(await mallory.send({ type: "chat", payload: { content: "hijack", thread_id: bobThread } }), "FORBIDDEN");
    expectError(await mallory.send({ type: "get_thread_history", payload: { thread_id: "thr_missing" } }), "NOT_FOUND");
    expectError(await mallory.send({ type: "typing_stopped", payload: { thread_id: "thr_missing" } }), "NOT_FOUND");
  });

  it("nothing of bob's thread leaks and nothing is added to it", async () => {
    const ack = await bob.send({ type: "get_thread_history", payload: { thread_id: bobThread } });
    const history = await bob.waitFor((e) => e.type === "thread_history" && e.trace_id === ack.trace_id);
    const contents = (history.payload.messages as { content: string }[]).map((m) => m.content);
    expect(contents).not.toContain("hijack");
    expect(mallory.events.filter((e) => e.thread_id === bobThread || e.user_id === "err-bob")).toEqual([]);
  });

  it("another user's run_id is FORBIDDEN, a missing one NOT_FOUND (stop_agent, agent_status_request)", async () => {
    expectError(await mallory.send({ type: "stop_agent", payload: { run_id: bobRun } }), "FORBIDDEN");
    expectError(await mallory.send({ type: "agent_status_request", payload: { run_id: bobRun } }), "FORBIDDEN");
    expectError(await mallory.send({ type: "stop_agent", payload: { run_id: "run_missing" } }), "NOT_FOUND");
    expectError(await mallory.send({ type: "agent_status_request", payload: { run_id: "run_missing" } }), "NOT_FOUND");
  });

  it("another user's run_id in the envelope is FORBIDDEN, a missing one NOT_FOUND", async () => {
    expectError(await mallory.send({ type: "ping", run_id: bobRun }), "FORBIDDEN");
    expectError(await mallory.send({ type: "agent_status_request", run_id: bobRun, payload: { run_id: bobRun } }), "FORBIDDEN");
    expectError(await mallory.send({ type: "ping", run_id: 42 }), "INVALID_MESSAGE");
    expectError(await mallory.send({ type: "ping", run_id: "run_missing" }), "NOT_FOUND");
  });

  it("another user cannot stop a running run: FORBIDDEN, and the run completes and passes", async () => {
    const ack = await bob.send({ type: "user_message", payload: { content: "what is 8 * 8?", simulate: { delay_ms: 300 } } });
    const runId = ack.run_id as string;
    await bob.waitFor((e) => e.run_id === runId && e.type === "tool_executing");
    expectError(await mallory.send({ type: "stop_agent", payload: { run_id: runId } }), "FORBIDDEN");
    const done = await bob.waitFor(isTerminal(runId));
    expect(done.payload.status).toBe("completed");
    expect((await sessionWhen(t, runId)).status).toBe("passed");
  });
});

describe("HANDLER_ERROR", () => {
  it("simulate {throw: true}: ack HANDLER_ERROR naming no internals, and no session or thread is created", async () => {
    const thrower = await t.connect("err-thrower");
    const ack = await thrower.send({ type: "user_message", payload: { content: "please fail", simulate: { throw: true } } });
    expectError(ack, "HANDLER_ERROR");
    const message = (ack.error as { message: string }).message;
    expect(message).not.toMatch(/simulated|Error:|\bat\b|\.ts|\/|node_modules|stack|TypeError/i);
    expect(ack.run_id).toBeUndefined();
    await sleep(300);
    const sessions = await apiJson<unknown[]>(t, "/api/sessions?user_id=err-thrower");
    expect(sessions).toEqual([]);
    expect(thrower.events.filter((e) => e.type !== "connection_established")).toEqual([]);
    thrower.close();
  });
});

describe("a message without an ack callback", () => {
  it("gets its error as an error_message event {error_code, error_message}", async () => {
    const before = mallory.events.length;
    mallory.socket.emit("message", { type: "teleport_user" });
    const evt = await mallory.waitFor((e) => e.type === "error_message" && mallory.events.indexOf(e) >= before);
    expect(evt.payload).toEqual({ error_code: "UNKNOWN_MESSAGE_TYPE", error_message: expect.any(String) });
    expect(evt.user_id).toBe("err-mallory");

    mallory.socket.emit("message", "garbage");
    await mallory.waitFor((e) => e.type === "error_message" && e.payload.error_code === "INVALID_MESSAGE");
    mallory.socket.emit("message", { type: "agent_started" });
    await mallory.waitFor((e) => e.type === "error_message" && e.payload.error_code === "SERVER_ONLY_TYPE");
    mallory.socket.emit("message", { type: "stop_agent", payload: { run_id: "run_missing" } });
    await mallory.waitFor((e) => e.type === "error_message" && e.payload.error_code === "NOT_FOUND");
  });

  it("a good message without ack gets its reply and no error_message", async () => {
    const errorsBefore = mallory.events.filter((e) => e.type === "error_message").length;
    const pongsBefore = mallory.events.filter((e) => e.type === "pong").length;
    mallory.socket.emit("message", { type: "ping" });
    await eventually(() => mallory.events.filter((e) => e.type === "pong").length > pongsBefore);
    expect(mallory.events.filter((e) => e.type === "error_message").length).toBe(errorsBefore);
  });

  it("error_message events go to the sending connection only", async () => {
    const other = await t.connect("err-mallory");
    mallory.socket.emit("message", { type: "another_unknown_type" });
    await mallory.waitFor((e) => e.type === "error_message" && String(e.payload.error_message).includes("another_unknown_type"));
    await sleep(100);
    expect(other.events.filter((e) => e.type === "error_message")).toEqual([]);
    other.close();
  });
});

describe("message_id", () => {
  it("a repeated message_id returns the first ack again and starts no second run", async () => {
    const dup = await t.connect("err-dup");
    const env = { type: "user_message", message_id: "dup-1", payload: { content: "what is 11 * 11?" } };
    const first = await dup.send(env);
    expect(first).toMatchObject({ ok: true, message_id: "dup-1", run_id: expect.any(String) });
    await dup.waitFor(isTerminal(first.run_id as string));
    const second = await dup.send(env);
    expect(second).toEqual(first);
    const third = await dup.send({ ...env, payload: { content: "something else entirely" } });
    expect(third).toEqual(first);
    await sleep(200);
    expect(dup.events.filter((e) => e.type === "agent_started")).toHaveLength(1);
    expect(await apiJson<unknown[]>(t, "/api/sessions?user_id=err-dup")).toHaveLength(1);
    dup.close();
  });

  it("two copies sent at once start one run", async () => {
    const dup = await t.connect("err-dup2");
    const env = { type: "chat", message_id: "dup-2", payload: { content: "what is 12 * 12?" } };
    const [a, b] = await Promise.all([dup.send(env), dup.send(env)]);
    expect(b).toEqual(a);
    await dup.waitFor(isTerminal(a.run_id as string));
    await sleep(100);
    expect(dup.events.filter((e) => e.type === "agent_started")).toHaveLength(1);
    dup.close();
  });

  it("is scoped to the user: another user's identical message_id is routed", async () => {
    const x = await t.connect("err-dup3");
    const y = await t.connect("err-dup4");
    const env = { type: "user_message", message_id: "shared-id", payload: { content: "what is 1 + 2?" } };
    const a = await x.send(env);
    const b = await y.send(env);
    expect(a.ok && b.ok).toBe(true);
    expect(b.run_id).not.toBe(a.run_id);
    x.close();
    y.close();
  });
});

describe("tracing of bad messages", () => {
  it("a rejected message leaves a `rejected` trace with its code", async () => {
    const ack = await mallory.send({ type: "agent_error" });
    const traces = await eventually(async () => {
      const list = await apiJson<{ kind: string; error?: { code: string } }[]>(t, `/api/traces?trace_id=${String(ack.trace_id)}`);
      return list.find((e) => e.kind === "rejected") ? list : null;
    });
    expect(traces.find((e) => e.kind === "rejected")!.error?.code).toBe("SERVER_ONLY_TYPE");
  });

  it("the error counters move", async () => {
    const before = (await apiJson<{ errors: number }>(t, "/api/stats")).errors;
    await mallory.send({ type: "nope_nope" });
    await mallory.send("nope");
    const after = (await apiJson<{ errors: number }>(t, "/api/stats")).errors;
    expect(after - before).toBeGreaterThanOrEqual(2);
    expect(code(await mallory.send({ type: "ping" }))).toBe("ok");
  });
});

describe("the bystander", () => {
  it("another user's runs, one overlapping every bad message above and one after each, passed and saw none of it", async () => {
    await bystander.waitFor(isTerminal(longRun), 10_000);
    expect((await sessionWhen(t, longRun)).status).toBe("passed");
    expect(bystanderRuns.length).toBeGreaterThan(50);
    for (const runId of bystanderRuns) expect((await sessionWhen(t, runId)).status, runId).toBe("passed");
    expect(bystander.events.filter((e) => e.type === "error_message")).toEqual([]);
    expect(bystander.events.filter((e) => e.user_id !== "err-bystander")).toEqual([]);
  });
});
