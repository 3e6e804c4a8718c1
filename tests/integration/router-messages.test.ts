import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GOLDEN_PATH,
  runToEnd,
  sessionWhen,
  sleep,
  startTestNode,
  type EventRecord,
  type TestClient,
  type TestNode,
} from "../support/test-node";

/** Every row of the message table (PROTOCOL.md "Message types"): the ack, the reply event and its payload. */

let t: TestNode;
let alice: TestClient;

beforeAll(async () => {
  // Its 42 tests share alice's connection and each run costs 4 messages: the default budget (100 burst,
  // 50/s) would refuse some of them RATE_LIMITED depending on timing. Rate limits have their own tests.
  t = await startTestNode({ FAULT_INJECTION: "1", RATE_LIMIT_PER_S: "1000", RATE_LIMIT_BURST: "1000" });
  alice = await t.connect("msg-alice");
});
afterAll(() => t.stop());

const isIso = (s: unknown) => typeof s === "string" && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s;

/** The reply to one request: the event carrying the request's trace id. */
const replyTo = (client: TestClient, ack: Record<string, unknown>, type: string) =>
  client.waitFor((e) => e.type === type && e.trace_id === ack.trace_id);

/** Asserts the request got no reply: a ping sent after it is answered, and nothing carried its trace id. */
async function expectNoReply(client: TestClient, ack: Record<string, unknown>) {
  const ping = await client.send({ type: "ping" });
  await replyTo(client, ping, "pong");
  expect(client.events.filter((e) => e.trace_id === ack.trace_id)).toEqual([]);
}

function expectEventEnvelope(e: EventRecord, userId: string | null) {
  expect(e.user_id).toBe(userId);
  expect(typeof e.message_id).toBe("string");
  expect(typeof e.trace_id).toBe("string");
  expect(isIso(e.timestamp)).toBe(true);
}

function expectOkAck(ack: Record<string, unknown>, type: string) {
  expect(ack).toMatchObject({ ok: true, type });
  expect(typeof ack.message_id).toBe("string");
  expect(typeof ack.trace_id).toBe("string");
}

/** The run's events: golden path in order, seq 1..n, every id set. */
function expectGoldenRun(events: EventRecord[], ids: { runId: string; threadId: string; userId: string }) {
  expect([...new Set(events.map((e) => e.type))]).toEqual(GOLDEN_PATH);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  for (const e of events) expect(e).toMatchObject({ run_id: ids.runId, thread_id: ids.threadId, user_id: ids.userId });
  const started = events[0]!.payload;
  expect(typeof started.agent_name).toBe("string");
  expect(typeof started.task_description).toBe("string");
  const thinking = events.find((e) => e.type === "agent_thinking")!.payload;
  expect(typeof thinking.reasoning).toBe("string");
  expect(typeof thinking.step_number).toBe("number");
  const executing = events.find((e) => e.type === "tool_executing")!.payload;
  expect(executing).toEqual({ tool_name: expect.any(String), tool_call_id: expect.any(String), parameters: expect.any(Object) });
  const completed = events.find((e) => e.type === "tool_completed")!.payload;
  expect(completed).toMatchObject({ tool_name: executing.tool_name, tool_call_id: executing.tool_call_id, success: true });
  expect(typeof completed.duration_ms).toBe("number");
  expect(completed.results).toBeTypeOf("object");
  const done = events.at(-1)!;
  expect(done.type).toBe("agent_completed");
  expect(done.payload).toMatchObject({ status: "completed", final_response: expect.any(String), duration_ms: expect.any(Number) });
}

describe("connect / disconnect", () => {
  it.each(["connect", "connected"])("%s -> system_message {status: connected, user_id}", async (type) => {
    const ack = await alice.send({ type });
    expectOkAck(ack, "connect");
    const evt = await replyTo(alice, ack, "system_message");
    expect(evt.payload).toEqual({ status: "connected", user_id: "msg-alice" });
    expectEventEnvelope(evt, "msg-alice");
  });

  it("disconnect -> system_message {status: disconnect_acknowledged}, and the socket stays open", async () => {
    const ack = await alice.send({ type: "disconnect" });
    expectOkAck(ack, "disconnect");
    const evt = await replyTo(alice, ack, "system_message");
    expect(evt.payload).toEqual({ status: "disconnect_acknowledged", user_id: "msg-alice" });
    await sleep(50);
    expect(alice.socket.connected).toBe(true);
    expect(await alice.send({ type: "ping" })).toMatchObject({ ok: true, type: "ping" });
  });

  it("the user_id in a reply comes from the token, never from the envelope or payload", async () => {
    const ack = await alice.send({ type: "connect", user_id: "msg-bob", payload: { user_id: "msg-bob" } });
    const evt = await replyTo(alice, ack, "system_message");
    expect(evt.payload.user_id).toBe("msg-alice");
    expect(evt.user_id).toBe("msg-alice");
  });
});

describe("ping / heartbeat / pong / heartbeat_ack", () => {
  it("ping -> pong {timestamp}", async () => {
    const ack = await alice.send({ type: "ping" });
    expectOkAck(ack, "ping");
    const evt = await replyTo(alice, ack, "pong");
    expect(Object.keys(evt.payload)).toEqual(["timestamp"]);
    expect(isIso(evt.payload.timestamp)).toBe(true);
    expectEventEnvelope(evt, "msg-alice");
  });

  it("heartbeat -> heartbeat_ack {status: healthy, timestamp}", async () => {
    const ack = await alice.send({ type: "heartbeat" });
    expectOkAck(ack, "heartbeat");
    const evt = await replyTo(alice, ack, "heartbeat_ack");
    expect(evt.payload).toEqual({ status: "healthy", timestamp: expect.any(String) });
    expect(isIso(evt.payload.timestamp)).toBe(true);
  });

  it.each(["pong", "heartbeat_ack"])("%s from a client is accepted without reply", async (type) => {
    const ack = await alice.send({ type });
    expectOkAck(ack, type);
    await expectNoReply(alice, ack);
  });
});

describe("typing", () => {
  it.each([
    ["user_typing", "user_typing"],
    ["typing", "user_typing"],
    ["typing_started", "typing_started"],
    ["typing_stopped", "typing_stopped"],
  ])("%s -> typing_acknowledged {state} (canonical %s)", async (type, canonical) => {
    const ack = await alice.send({ type });
    expectOkAck(ack, canonical);
    const evt = await replyTo(alice, ack, "typing_acknowledged");
    expect(typeof evt.payload.state).toBe("string");
    expect(String(evt.payload.state).length).toBeGreaterThan(0);
  });

  it("started and stopped acknowledge different states; an own thread_id is accepted", async () => {
    const created = await alice.send({ type: "create_thread", payload: { title: "typing" } });
    const threadId = created.thread_id as string;
    const a = await alice.send({ type: "typing_started", payload: { thread_id: threadId } });
    const b = await alice.send({ type: "typing_stopped", thread_id: threadId });
    expect(a.ok && b.ok).toBe(true);
    const started = await replyTo(alice, a, "typing_acknowledged");
    const stopped = await replyTo(alice, b, "typing_acknowledged");
    expect(started.payload.state).not.toEqual(stopped.payload.state);
  });
});

describe("user_message and its aliases", () => {
  it.each(["user_message", "chat", "user", "user_input", "message", "chat_message"])(
    "%s starts a run: ack {run_id, thread_id}, thread_created first, then the golden path",
    async (type) => {
      const content = `what is 6 * 7? (${type})`;
      const { ack, runId, threadId, events } = await runToEnd(alice, { type, payload: { content } });
      expectOkAck(ack, "user_message");
      expect(runId).toMatch(/\S/);
      expect(threadId).toMatch(/\S/);
      const created = alice.events.find((e) => e.type === "thread_created" && e.payload.thread_id === threadId);
      expect(created).toBeDefined();
      expect(created!.payload).toEqual({ thread_id: threadId, title: expect.any(String) });
      expect(alice.events.indexOf(created!)).toBeLessThan(alice.events.indexOf(events[0]!));
      expectGoldenRun(events, { runId, threadId, userId: "msg-alice" });
      expect(events.find((e) => e.type === "tool_completed")!.payload.results).toEqual({ value: 42 });
      expect(events[0]!.payload.task_description).toBe(content);
      expect((await sessionWhen(t, runId)).status).toBe("passed");
    },
  );

  it("with a thread_id (envelope or payload) the run joins that thread and no thread is created", async () => {
    const created = await alice.send({ type: "create_thread" });
    const threadId = created.thread_id as string;
    const before = alice.events.filter((e) => e.type === "thread_created").length;
    const viaEnvelope = await runToEnd(alice, { type: "user_message", thread_id: threadId, payload: { content: "2 + 2" } });
    const viaPayload = await runToEnd(alice, { type: "chat", payload: { content: "3 + 3", thread_id: threadId } });
    expect(viaEnvelope.threadId).toBe(threadId);
    expect(viaPayload.threadId).toBe(threadId);
    expect(alice.events.filter((e) => e.type === "thread_created").length).toBe(before);
  });
});

describe("start_agent and its aliases", () => {
  it.each([
    ["start_agent", "researcher"],
    ["execute_agent", "analyst"],
    ["agent_request", "researcher"],
    ["agent", "analyst"],
  ])("%s runs the named agent (%s)", async (type, agentName) => {
    const { ack, runId, threadId, events } = await runToEnd(alice, {
      type,
      payload: { content: "what is 10 - 3?", agent_name: agentName },
    });
    expectOkAck(ack, "start_agent");
    expectGoldenRun(events, { runId, threadId, userId: "msg-alice" });
    expect(events[0]!.payload.agent_name).toBe(agentName);
    expect((await sessionWhen(t, runId)).status).toBe("passed");
  });

  it("without agent_name the default agent runs", async () => {
    const { events } = await runToEnd(alice, { type: "start_agent", payload: { content: "what is 1 + 1?" } });
    expect(events[0]!.payload.agent_name).toMatch(/\S/);
  });

  it("an unknown agent_name is NOT_FOUND and starts nothing", async () => {
    const bob = await t.connect("msg-agentless");
    const ack = await bob.send({ type: "start_agent", payload: { content: "hello there", agent_name: "no-such-agent" } });
    expect(ack).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(ack.run_id).toBeUndefined();
    await sleep(150);
    expect(bob.events.filter((e) => e.type !== "connection_established")).toEqual([]);
    const sessions = (await (await t.api("/api/sessions?user_id=msg-agentless")).json()) as unknown[];
    expect(sessions).toEqual([]);
    bob.close();
  });
});

describe("stop_agent / agent_status_request", () => {
  it("stops a running run: agent_completed {status: cancelled}, session cancelled, status says so", async () => {
    const ack = await alice.send({ type: "user_message", payload: { content: "what is 5 * 5?", simulate: { delay_ms: 2000 } } });
    const runId = ack.run_id as string;
    await alice.waitFor((e) => e.run_id === runId && e.type === "tool_executing");

    const status = await alice.send({ type: "agent_status_request", payload: { run_id: runId } });
    expectOkAck(status, "agent_status_request");
    const update = await replyTo(alice, status, "agent_status_update");
    expect(update.payload).toEqual({ run_id: runId, status: "running", events_emitted: 3 });
    expect(update.run_id).toBe(runId);

    const started = Date.now();
    const stop = await alice.send({ type: "stop_agent", payload: { run_id: runId } });
    expectOkAck(stop, "stop_agent");
    const done = await alice.waitFor((e) => e.run_id === runId && e.type === "agent_completed");
    expect(Date.now() - started).toBeLessThan(1500);
    expect(done.payload).toMatchObject({ status: "cancelled" });
    expect(done.seq).toBe(4);
    const session = await sessionWhen(t, runId);
    expect(session.status).toBe("cancelled");

    const after = await alice.send({ type: "agent_status_request", payload: { run_id: runId } });
    expect((await replyTo(alice, after, "agent_status_update")).payload).toMatchObject({ run_id: runId, status: "cancelled" });
    // The cancelled run emits nothing more (its tool would have completed at 2 s).
    await sleep(300);
    expect(alice.events.filter((e) => e.run_id === runId && e.type === "tool_completed")).toEqual([]);
  });

  // Recorded so that a replay of the session stops the run too.
  it("a cancelled session records the stop_agent among its inbound messages", async () => {
    const ack = await alice.send({ type: "user_message", payload: { content: "what is 6 * 5?", simulate: { delay_ms: 2000 } } });
    const runId = ack.run_id as string;
    await alice.waitFor((e) => e.run_id === runId && e.type === "tool_executing");
    const stop = await alice.send({ type: "stop_agent", message_id: "stop-recorded", payload: { run_id: runId } });
    expect(stop.ok).toBe(true);
    const session = await sessionWhen(t, runId, "cancelled");
    expect(session.inbound.map((i) => i.type)).toEqual(["user_message", "stop_agent"]);
  });

  it("agent_status_request of a finished run -> agent_status_update {run_id, status: completed, events_emitted}", async () => {
    const { runId, events } = await runToEnd(alice, { type: "user_message", payload: { content: "what is 9 + 9?" } });
    const ack = await alice.send({ type: "agent_status_request", payload: { run_id: runId } });
    const update = await replyTo(alice, ack, "agent_status_update");
    expect(update.payload).toEqual({ run_id: runId, status: "completed", events_emitted: events.length });
  });

  it("agent_status_update goes to every connection of the owner", async () => {
    const second = await t.connect("msg-alice");
    const { runId } = await runToEnd(alice, { type: "user_message", payload: { content: "what is 4 * 4?" } });
    const ack = await alice.send({ type: "agent_status_request", payload: { run_id: runId } });
    await replyTo(second, ack, "agent_status_update");
    second.close();
  });
});

describe("threads", () => {
  it("create_thread {title} -> thread_created {thread_id, title} to every connection of the user", async () => {
    const second = await t.connect("msg-alice");
    const ack = await alice.send({ type: "create_thread", payload: { title: "Trip to Lisbon" } });
    expectOkAck(ack, "create_thread");
    expect(typeof ack.thread_id).toBe("string");
    for (const c of [alice, second]) {
      const evt = await replyTo(c, ack, "thread_created");
      expect(evt.payload).toEqual({ thread_id: ack.thread_id, title: "Trip to Lisbon" });
      expect(evt.user_id).toBe("msg-alice");
    }
    second.close();
  });

  it("create_thread without a title still names the thread", async () => {
    const ack = await alice.send({ type: "create_thread" });
    const evt = await replyTo(alice, ack, "thread_created");
    expect(evt.payload).toEqual({ thread_id: ack.thread_id, title: expect.stringMatching(/\S/) });
  });

  it("get_thread_history -> thread_history {thread_id, messages} with the thread's messages after its runs, limit honoured", async () => {
    const created = await alice.send({ type: "create_thread", payload: { title: "history" } });
    const threadId = created.thread_id as string;
    await runToEnd(alice, { type: "user_message", thread_id: threadId, payload: { content: "what is 2 + 5?" } });
    await runToEnd(alice, { type: "user_message", thread_id: threadId, payload: { content: "what is 3 + 5?" } });
    const ack = await alice.send({ type: "get_thread_history", payload: { thread_id: threadId } });
    expectOkAck(ack, "get_thread_history");
    const evt = await replyTo(alice, ack, "thread_history");
    expect(evt.payload.thread_id).toBe(threadId);
    const messages = evt.payload.messages as { role: string; content: string }[];
    const mine = messages.filter((m) => m.role === "user").map((m) => m.content);
    expect(mine).toEqual(["what is 2 + 5?", "what is 3 + 5?"]);

    const limited = await alice.send({ type: "get_thread_history", payload: { thread_id: threadId, limit: 1 } });
    const last = (await replyTo(alice, limited, "thread_history")).payload.messages as { content: string }[];
    expect(last).toHaveLength(1);
  });

  // PROTOCOL.md "Cluster": acks:true clients recover through get_thread_history, so it must hold the answers.
  it("get_thread_history includes the agent's answer after a run", async () => {
    const { threadId, events } = await runToEnd(alice, { type: "user_message", payload: { content: "what is 7 * 8?" } });
    const answer = events.at(-1)!.payload.final_response as string;
    const ack = await alice.send({ type: "get_thread_history", payload: { thread_id: threadId } });
    const messages = (await replyTo(alice, ack, "thread_history")).payload.messages as { content: string }[];
    expect(messages.map((m) => m.content)).toEqual(["what is 7 * 8?", answer]);
  });
});

describe("error_message / error", () => {
  it.each(["error_message", "error"])("%s is accepted without reply and counted per code", async (type) => {
    const code = `CLIENT_${type.toUpperCase()}_TIMEOUT`;
    const before = t.node.parts.stats.clientErrorReports.get(code) ?? 0;
    const ack = await alice.send({ type, payload: { error_code: code, error_message: "the UI gave up waiting" } });
    expectOkAck(ack, "error_message");
    await expectNoReply(alice, ack);
    const again = await alice.send({ type, payload: { error_code: code, error_message: "again" } });
    expect(again.ok).toBe(true);
    expect(t.node.parts.stats.clientErrorReports.get(code)).toBe(before + 2);
  });

  it("the per-code count of client error reports is visible in /metrics", async () => {
    await alice.send({ type: "error_message", payload: { error_code: "CLIENT_RENDER_CRASH", error_message: "boom" } });
    const text = await (await t.api("/metrics")).text();
    expect(text).toMatch(/CLIENT_RENDER_CRASH/);
  });
});

describe("broadcast", () => {
  let op: TestClient;
  let u1: TestClient;
  let u2a: TestClient;
  let u2b: TestClient;
  beforeAll(async () => {
    op = await t.connect("msg-operator", { role: "operator" });
    u1 = await t.connect("msg-u1");
    u2a = await t.connect("msg-u2");
    u2b = await t.connect("msg-u2");
  });
  const isBroadcast = (content: string) => (e: EventRecord) => e.type === "system_message" && e.payload.content === content;

  it("a user may not broadcast: FORBIDDEN, and nothing is sent", async () => {
    const ack = await u1.send({ type: "broadcast", payload: { content: "user shouting", priority: 100 } });
    expect(ack).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    await sleep(250);
    for (const c of [op, u1, u2a, u2b, alice]) expect(c.events.filter(isBroadcast("user shouting"))).toEqual([]);
  });

  it("an operator's broadcast reaches every connection of every user as system_message with user_id null", async () => {
    const ack = await op.send({ type: "broadcast", payload: { content: "maintenance at noon" } });
    expectOkAck(ack, "broadcast");
    for (const c of [op, u1, u2a, u2b, alice]) {
      const evt = await c.waitFor(isBroadcast("maintenance at noon"));
      expect(evt.user_id).toBeNull();
      expect(evt.seq).toBeUndefined();
      expect(c.events.filter(isBroadcast("maintenance at noon"))).toHaveLength(1);
    }
  });

  it("a lone broadcast waits for the batch (about 100 ms); priority 100 flushes at once", async () => {
    const lazy = await op.send({ type: "broadcast", payload: { content: "lazy", priority: 5 } });
    expect(lazy.ok).toBe(true);
    // Events to the sender's own connection are written before the ack: none yet, the batch is pending.
    expect(op.events.filter(isBroadcast("lazy"))).toEqual([]);
    await op.waitFor(isBroadcast("lazy"), 2000);

    const urgent = await op.send({ type: "broadcast", payload: { content: "urgent", priority: 100 } });
    expect(urgent.ok).toBe(true);
    expect(op.events.filter(isBroadcast("urgent"))).toHaveLength(1);
    await u1.waitFor(isBroadcast("urgent"), 2000);
  });

  it("10 queued broadcasts flush together at the 10th", async () => {
    // The 10 must be queued inside one 100 ms window, or the timer flushes the first ones on its own; an
    // attempt that took longer (a loaded machine) proves nothing either way and is repeated.
    for (let attempt = 0; attempt < 5; attempt++) {
      const prefix = `batch${attempt}-`;
      const batch = (e: EventRecord) => e.type === "system_message" && String(e.payload.content).startsWith(prefix);
      const started = Date.now();
      const first9 = await Promise.all(
        Array.from({ length: 9 }, (_, i) => op.send({ type: "broadcast", payload: { content: `${prefix}${i}`, priority: i } })),
      );
      expect(first9.every((a) => a.ok)).toBe(true);
      const after9 = op.events.filter(batch).length;
      const tenth = await op.send({ type: "broadcast", payload: { content: `${prefix}9`, priority: 9 } });
      expect(tenth.ok).toBe(true);
      const atTenth = op.events.filter(batch).length;
      if (Date.now() - started >= 95) {
        await sleep(250);
        continue;
      }
      // Nothing was sent while 9 waited; all 10 were written before the 10th's ack.
      expect(after9).toBe(0);
      expect(atTenth).toBe(10);
      for (const c of [u1, u2a, u2b]) {
        await c.waitFor((e) => batch(e) && e.payload.content === `${prefix}9`);
        await sleep(20);
        expect(new Set(c.events.filter(batch).map((e) => e.payload.content)).size).toBe(10);
      }
      return;
    }
    throw new Error("could not queue 10 broadcasts within 100 ms in 5 attempts");
  });

  it("broadcast priority is bounded 0..100", async () => {
    const ack = await op.send({ type: "broadcast", payload: { content: "too loud", priority: 101 } });
    expect(ack).toMatchObject({ ok: false, error: { code: "INVALID_MESSAGE" } });
  });
});
