import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEvent } from "../../server/transport/event-factory";
import {
  apiJson,
  eventually,
  GOLDEN_PATH,
  isTerminal,
  runToEnd,
  sessionWhen,
  sleep,
  startTestNode,
  type EventRecord,
  type TestClient,
  type TestNode,
} from "../support/test-node";

/**
 * Who receives what (PROTOCOL.md "Chat namespace"): several users at once, one with two connections;
 * nothing ever reaches a connection of another user. FAULT_INJECTION is unset here: simulate is ignored.
 */

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode();
});
afterAll(() => t.stop());

interface Stats {
  isolation_violations: number;
  events_delivered: number;
}
interface UserRow {
  user_id: string;
  connections: number;
  events_delivered: number;
  isolation_violations: number;
}

const foreign = (c: TestClient) => c.events.filter((e) => e.user_id !== c.userId && e.user_id !== null);

describe("concurrent users", () => {
  it("each user's runs reach every connection of that user and nobody else, with seq 1..n", async () => {
    const [a1, a2, b, c] = await Promise.all([t.connect("iso-a"), t.connect("iso-a"), t.connect("iso-b"), t.connect("iso-c")]);
    const contents = ["what is 12 * 12?", "tell me about routing messages", "what is 2 ** 10?"];
    // Everyone starts runs at once: a from both of its connections, b and c twice each.
    const runs = await Promise.all([
      ...contents.map((content) => runToEnd(a1, { type: "user_message", payload: { content } })),
      ...contents.map((content) => runToEnd(a2, { type: "chat", payload: { content } })),
      ...contents.slice(0, 2).map((content) => runToEnd(b, { type: "user_message", payload: { content } })),
      ...contents.slice(0, 2).map((content) => runToEnd(c, { type: "start_agent", payload: { content } })),
    ]);
    const aRuns = runs.slice(0, 6).map((r) => r.runId);
    for (const runId of aRuns) {
      await a1.waitFor(isTerminal(runId));
      await a2.waitFor(isTerminal(runId));
      const on1 = a1.events.filter((e) => e.run_id === runId);
      const on2 = a2.events.filter((e) => e.run_id === runId);
      expect(on1.length).toBeGreaterThanOrEqual(5);
      // Both connections saw the same events in the same order.
      expect(on2.map((e) => e.message_id)).toEqual(on1.map((e) => e.message_id));
      expect([...new Set(on1.map((e) => e.type))]).toEqual(GOLDEN_PATH);
      expect(on1.map((e) => e.seq)).toEqual(on1.map((_, i) => i + 1));
    }
    // thread_created also went to both of a's connections.
    for (const r of runs.slice(0, 6)) {
      for (const conn of [a1, a2]) expect(conn.events.some((e) => e.type === "thread_created" && e.thread_id === r.threadId)).toBe(true);
    }
    for (const [client, slice] of [
      [b, runs.slice(6, 8)],
      [c, runs.slice(8, 10)],
    ] as const) {
      for (const r of slice) expect(r.events.map((e) => e.seq)).toEqual(r.events.map((_, i) => i + 1));
      const theirRuns = new Set(slice.map((r) => r.runId));
      expect(client.events.filter((e) => e.run_id && !theirRuns.has(e.run_id))).toEqual([]);
    }
    for (const client of [a1, a2, b, c]) expect(foreign(client)).toEqual([]);
    expect(b.events.filter((e) => aRuns.includes(e.run_id ?? ""))).toEqual([]);
    for (const r of runs) expect((await sessionWhen(t, r.runId)).status).toBe("passed");
    // Each session records a delivery to both of a's connections for every event.
    const s = await sessionWhen(t, aRuns[0]!);
    for (const e of s.events) {
      expect(e.deliveries.map((d) => d.connection_id).sort()).toEqual([a1.connectionId, a2.connectionId].sort());
      expect(e.deliveries.every((d) => d.delivered)).toBe(true);
    }
    for (const client of [a1, a2, b, c]) client.close();
  });

  it("replies to a request go to the requesting connection only", async () => {
    const [x1, x2] = await Promise.all([t.connect("iso-x"), t.connect("iso-x")]);
    const acks = [
      await x1.send({ type: "ping" }),
      await x1.send({ type: "heartbeat" }),
      await x1.send({ type: "typing" }),
      await x1.send({ type: "connect" }),
      await x1.send({ type: "validate_content", payload: { content: "A perfectly reasonable sentence." } }),
      await x1.send({ type: "get_quality_metrics" }),
      await x1.send({ type: "jsonrpc_request", payload: { jsonrpc: "2.0", method: "ping", id: 1 } }),
    ];
    for (const ack of acks) await x1.waitFor((e) => e.trace_id === ack.trace_id);
    await sleep(100);
    const traceIds = new Set(acks.map((a) => a.trace_id));
    expect(x2.events.filter((e) => traceIds.has(e.trace_id))).toEqual([]);
    x1.close();
    x2.close();
  });

  it("a user_id in the envelope or payload is ignored: the run is the token's user's", async () => {
    const [m, v] = await Promise.all([t.connect("iso-mallory"), t.connect("iso-victim")]);
    const { runId, events } = await runToEnd(m, {
      type: "user_message",
      user_id: "iso-victim",
      payload: { content: "2 + 3", user_id: "iso-victim" },
    });
    for (const e of events) expect(e.user_id).toBe("iso-mallory");
    expect((await sessionWhen(t, runId)).user_id).toBe("iso-mallory");
    await sleep(50);
    expect(v.events.filter((e) => e.type !== "connection_established")).toEqual([]);
    m.close();
    v.close();
  });
});

describe("the delivery isolation check", () => {
  it("an event of user A written to a connection of B is refused, counted and traced", async () => {
    const [a, b] = await Promise.all([t.connect("iso-owner"), t.connect("iso-stranger")]);
    const connB = t.node.parts.connections.get(b.connectionId);
    expect(connB?.userId).toBe("iso-stranger");
    const statsBefore = await apiJson<Stats>(t, "/api/stats");
    const usersBefore = await apiJson<UserRow[]>(t, "/api/users");
    const bBefore = usersBefore.find((u) => u.user_id === "iso-stranger")?.isolation_violations ?? 0;

    const event = buildEvent(
      "agent_thinking",
      { reasoning: "secret of A", step_number: 1 },
      {
        user_id: "iso-owner",
        trace_id: "iso-test-trace",
        run_id: "run_iso_test",
        thread_id: "thr_iso_test",
        seq: 2,
      },
    );
    const record = t.node.parts.delivery.write(connB!, event);
    expect(record).toMatchObject({ connection_id: b.connectionId, delivered: false });

    // Null-owner events are only for broadcasts, and a broadcast must carry user_id null.
    const unowned = buildEvent(
      "system_message",
      { status: "broadcast", content: "x", priority: 0, from: "test" },
      { user_id: null, trace_id: "iso-test-trace-2" },
    );
    expect(t.node.parts.delivery.write(connB!, unowned, false).delivered).toBe(false);
    const ownedAsBroadcast = buildEvent(
      "system_message",
      { status: "broadcast", content: "y", priority: 0, from: "test" },
      { user_id: "iso-owner", trace_id: "iso-test-trace-3" },
    );
    expect(t.node.parts.delivery.write(connB!, ownedAsBroadcast, true).delivered).toBe(false);

    // A's own event written to A passes the same check (the control).
    expect(t.node.parts.delivery.write(t.node.parts.connections.get(a.connectionId)!, event).delivered).toBe(true);
    await a.waitFor((e) => e.message_id === event.message_id);

    await sleep(200);
    expect(b.events.filter((e) => e.message_id === event.message_id || e.trace_id.startsWith("iso-test-trace"))).toEqual([]);
    const statsAfter = await apiJson<Stats>(t, "/api/stats");
    expect(statsAfter.isolation_violations - statsBefore.isolation_violations).toBe(3);
    const bAfter = (await apiJson<UserRow[]>(t, "/api/users")).find((u) => u.user_id === "iso-stranger");
    expect(bAfter?.isolation_violations).toBe(bBefore + 3);
    expect((await apiJson<UserRow[]>(t, "/api/users")).find((u) => u.user_id === "iso-owner")?.isolation_violations ?? 0).toBe(0);

    const traces = await eventually(async () => {
      const list = await apiJson<{ kind: string; connection_id?: string; user_id?: string; run_id?: string; message_type?: string }[]>(
        t,
        "/api/traces?kind=isolation_violation",
      );
      const mine = list.filter((e) => e.connection_id === b.connectionId);
      return mine.length >= 3 ? mine : null;
    }, 3000);
    expect(traces.every((e) => e.kind === "isolation_violation" && e.user_id === "iso-stranger")).toBe(true);
    expect(traces.find((e) => e.run_id === "run_iso_test")).toMatchObject({ message_type: "agent_thinking" });
    a.close();
    b.close();
  });
});

describe("without FAULT_INJECTION", () => {
  it("payload.simulate is ignored: fail_tool, drop_event and delay_ms have no effect, throw does not throw", async () => {
    const u = await t.connect("iso-nofaults");
    const failing = await runToEnd(u, {
      type: "user_message",
      payload: { content: "what is 6 * 6?", simulate: { fail_tool: true, drop_event: "agent_thinking", delay_ms: 60000 } },
    });
    expect([...new Set(failing.events.map((e) => e.type))]).toEqual(GOLDEN_PATH);
    expect(failing.events.find((e) => e.type === "tool_completed")!.payload).toMatchObject({ success: true, results: { value: 36 } });
    expect((await sessionWhen(t, failing.runId)).status).toBe("passed");
    const thrown = await runToEnd(u, { type: "user_message", payload: { content: "what is 1 + 1?", simulate: { throw: true } } });
    expect(thrown.ack.ok).toBe(true);
    expect((await sessionWhen(t, thrown.runId)).status).toBe("passed");
    u.close();
  });
});

describe("broadcasts and isolation", () => {
  it("only broadcasts carry user_id null; every other event a client got is its own", async () => {
    const op = await t.connect("iso-op", { role: "operator" });
    const [p, q] = await Promise.all([t.connect("iso-p"), t.connect("iso-q")]);
    await op.send({ type: "broadcast", payload: { content: "hello all", priority: 100 } });
    const got: EventRecord[] = [];
    for (const c of [op, p, q]) got.push(await c.waitFor((e) => e.type === "system_message" && e.payload.content === "hello all"));
    for (const e of got) expect(e.user_id).toBeNull();
    await runToEnd(p, { type: "user_message", payload: { content: "what is 3 * 3?" } });
    for (const c of [op, p, q]) {
      expect(c.events.filter((e) => e.user_id === null).every((e) => e.type === "system_message")).toBe(true);
      expect(foreign(c)).toEqual([]);
    }
    for (const c of [op, p, q]) c.close();
  });
});
