import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectError, SwitchyardClient, type ClientOptions } from "../../client/src/index";
import type { AnyServerEvent } from "../../contract/server-events";
import { eventually, GOLDEN_PATH, sessionWhen, startTestNode, type TestNode } from "../support/test-node";

// The typed client (`switchyard/client`) against a real node: runs iterated to their end and judged with
// the server's judge, a dropped event seen as a gap, typed sends, recovery mid-run, and thread history.

let t: TestNode;
const clients: SwitchyardClient[] = [];

beforeAll(async () => {
  t = await startTestNode({ FAULT_INJECTION: "1", RECOVERY_WINDOW_MS: "5000" });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
afterAll(() => t.stop());

async function connect(sub: string, options: Partial<ClientOptions> = {}): Promise<SwitchyardClient> {
  const client = await SwitchyardClient.connect(t.url, { token: await t.token(sub), ...options });
  clients.push(client);
  return client;
}

async function collect(iterable: AsyncIterable<AnyServerEvent>): Promise<AnyServerEvent[]> {
  const out: AnyServerEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

describe("switchyard/client", () => {
  it("connects, and refuses a bad token with the handshake's code", async () => {
    const client = await connect("cora");
    expect(client.userId).toBe("cora");
    expect(client.connectionId).toMatch(/^conn_/);
    const refused = SwitchyardClient.connect(t.url, { token: "not-a-token" });
    await expect(refused).rejects.toBeInstanceOf(ConnectError);
    await expect(refused).rejects.toThrow("UNAUTHORIZED");
  });

  it("iterates a run to its end, in order, and passes the client-side verdict", async () => {
    const client = await connect("ada");
    const handle = client.run("what is 12 * (3 + 4)?");
    const events = await collect(handle);
    expect(handle.runId).toMatch(/\S/);
    expect(handle.threadId).toMatch(/\S/);
    expect(handle.state).toBe("ended");
    expect([...new Set(events.map((e) => e.type))]).toEqual(GOLDEN_PATH);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (const e of events) expect(e).toMatchObject({ run_id: handle.runId, thread_id: handle.threadId, user_id: "ada" });
    expect(handle.end?.type).toBe("agent_completed");
    expect(handle.gaps).toEqual([]);
    expect(handle.verdict()).toMatchObject({ passed: true, reasons: [], status: "passed" });
    const session = await sessionWhen(t, handle.runId!);
    expect(session.verdict).toMatchObject({ passed: true, reasons: [] });
    // Iterating again replays the run from its first event.
    expect(await collect(handle)).toEqual(events);
  });

  it("reports a dropped event as a gap and fails the verdict like the server", async () => {
    const client = await connect("gil");
    const gaps: unknown[] = [];
    const handle = client.run("what is 2 + 2", { simulate: { drop_event: "agent_thinking" }, onGap: (g) => gaps.push(g) });
    const events = await collect(handle);
    expect(events.map((e) => e.type)).not.toContain("agent_thinking");
    expect(events.at(-1)?.type).toBe("agent_completed");
    expect(handle.gaps).toEqual([{ expected: 2, received: 3, missing: [2] }]);
    expect(gaps).toEqual(handle.gaps);
    expect(handle.missing()).toEqual([2]);
    const verdict = handle.verdict();
    expect(verdict).toMatchObject({ passed: false, status: "failed" });
    expect(verdict.reasons).toContain("missing_event");
    const session = await sessionWhen(t, handle.runId!);
    expect(session.verdict.reasons).toEqual(verdict.reasons);
  });

  it("sends typed messages and aliases, and resolves with their acks", async () => {
    const client = await connect("tess");
    const pongs: string[] = [];
    client.on("pong", (e) => pongs.push(e.payload.timestamp));
    expect(await client.send("ping")).toMatchObject({ ok: true, type: "ping" });
    await eventually(() => pongs.length === 1, 5000, "pong");
    const thread = await client.send("create_thread", { title: "typed" });
    expect(thread).toMatchObject({ ok: true, type: "create_thread" });
    const threadId = thread.ok ? thread.thread_id : undefined;
    expect(threadId).toBeTruthy();
    const chat = await client.send("chat", { content: "what is 1 + 1" }, { thread_id: threadId });
    expect(chat).toMatchObject({ ok: true, type: "user_message", thread_id: threadId });
    const refused = await client.send("stop_agent", { run_id: "run_nobody" });
    expect(refused).toMatchObject({ ok: false });
    expect(await client.sendEnvelope({ type: "no_such_type" })).toMatchObject({ ok: false, error: { code: "UNKNOWN_MESSAGE_TYPE" } });
  });

  it("resumes a run across a dropped connection by connection-state recovery: every event once, in order", async () => {
    const client = await connect("rex", { socket: { reconnectionDelay: 1500, reconnectionDelayMax: 1500, randomizationFactor: 0 } });
    const firstConnection = client.connectionId;
    const connections: boolean[] = [];
    client.onConnection((info) => connections.push(info.recovered));
    const handle = client.run("what is 9 * 9", { simulate: { delay_ms: 1200 } });
    const events: AnyServerEvent[] = [];
    for await (const e of handle) {
      events.push(e);
      if (e.type === "tool_executing") client.socket.io.engine.close(); // the network drops mid-run
    }
    expect(connections).toEqual([true]);
    expect(client.info?.recovered).toBe(true);
    expect(client.connectionId).toBe(firstConnection);
    expect(events.map((e) => e.type)).toEqual(GOLDEN_PATH);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(handle.duplicates).toBe(0);
    expect(handle.gaps).toEqual([]);
    expect(handle.verdict()).toMatchObject({ passed: true, reasons: [] });
    const session = await sessionWhen(t, handle.runId!);
    expect(session.verdict).toMatchObject({ passed: true, reasons: [] });
    expect(session.events.flatMap((e) => e.deliveries).some((d) => d.recovered)).toBe(true);
  });

  it("ends a run whose last events were lost (acks: no recovery) as interrupted; history has its answer", async () => {
    const opts = { acks: true, socket: { reconnectionDelay: 2500, reconnectionDelayMax: 2500, randomizationFactor: 0 } };
    const client = await connect("ivy", opts);
    const firstConnection = client.connectionId;
    const handle = client.run("what is 6 * 7", { simulate: { delay_ms: 1200 } });
    const events: AnyServerEvent[] = [];
    for await (const e of handle) {
      events.push(e);
      if (e.type === "tool_executing") client.socket.io.engine.close();
    }
    expect(client.info?.recovered).toBe(false);
    expect(client.connectionId).not.toBe(firstConnection);
    expect(events.map((e) => e.type)).toEqual(GOLDEN_PATH.slice(0, 3));
    expect(handle.interrupted).toBe(true);
    expect(handle.verdict()).toMatchObject({ passed: false, reasons: ["missing_event", "interrupted"] });
    const messages = await eventually(async () => {
      const m = await client.history(handle.threadId!);
      return m.length >= 2 ? m : null;
    });
    expect(messages.at(-1)).toMatchObject({ role: "assistant", run_id: handle.runId });
  });

  it("reads a thread's history", async () => {
    const client = await connect("hal");
    const handle = client.run("what is 365 * 24");
    await handle.finished();
    const messages = await eventually(async () => {
      const m = await client.history(handle.threadId!);
      return m.length >= 2 ? m : null;
    });
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(messages[0]).toMatchObject({ content: "what is 365 * 24" });
    expect(messages[1]).toMatchObject({ run_id: handle.runId });
    await expect(client.history("thread_not_mine")).rejects.toThrow(/NOT_FOUND|FORBIDDEN/);
  });
});
