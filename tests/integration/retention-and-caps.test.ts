import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, runToEnd, startTestNode, type TestNode } from "../support/test-node";

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({ INSPECTOR_MAX_EVENTS_PER_S: "40", RATE_LIMIT_PER_S: "1000", RATE_LIMIT_BURST: "1000" });
});
afterAll(() => t.stop());

describe("retention", () => {
  it("keeps at most TRACE_RETENTION_ROWS traces and drops sessions older than SESSION_RETENTION_DAYS", async () => {
    const user = await t.connect("keeper");
    for (let i = 0; i < 10; i++) await runToEnd(user, { type: "user_message", payload: { content: `what is ${i} + 1` } });
    t.node.parts.tracer.flush();
    await t.node.persistence.flush();
    const before = await t.node.persistence.db.trace.count();
    expect(before).toBeGreaterThan(100);
    // The node's own first pass (at listen) must not be the one that removes the session saved below.
    await t.node.retentionPass;
    const old = Date.now() - 40 * 86_400_000;
    t.node.persistence.saveSession({
      id: "run_ancient",
      userId: "keeper",
      threadId: "thr_x",
      nodeId: "test-node",
      status: "passed",
      reasons: [],
      details: [],
      agentName: "assistant",
      agentVersion: "1.0.0",
      agentKind: "builtin",
      ttftMs: null,
      chunks: 0,
      faults: {},
      inbound: [],
      events: [],
      startedAt: old,
      endedAt: old + 10,
      updatedAt: old + 10,
    });
    await t.node.persistence.flush();
    expect((await t.api("/api/sessions/run_ancient")).status).toBe(200);
    const removed = await t.node.persistence.enforceRetention(7, 100, 30);
    expect(removed.sessions).toBe(1);
    expect(await t.node.persistence.db.trace.count()).toBeLessThanOrEqual(100);
    expect((await t.api("/api/sessions/run_ancient")).status).toBe(404);
  });
});

describe("inspector rate cap", () => {
  it("sends at most INSPECTOR_MAX_EVENTS_PER_S to a subscriber and says how many it dropped", async () => {
    const ops = io(`${t.url}/inspector`, { auth: { token: await t.token("ops", "operator") }, transports: ["websocket"], forceNew: true });
    await new Promise((r) => ops.once("snapshot", r));
    let received = 0;
    let dropped = 0;
    ops.on("trace", (batch: { events: unknown[]; dropped: number }) => {
      received += batch.events.length;
      dropped += batch.dropped;
    });
    const user = await t.connect("busy");
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => runToEnd(user, { type: "user_message", payload: { content: `what is ${i} * 2` } })),
    );
    await eventually(() => dropped > 0, 5000, "a drop count");
    const seconds = Math.max(1, Math.ceil((Date.now() - started + 200) / 1000));
    expect(received).toBeLessThanOrEqual(40 * (seconds + 1));
    ops.close();
  });
});
