import { type TraceEvent } from "../../contract";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrivateRedis } from "../support/private-redis";
import { startTwoNodeCluster, type TwoNodeCluster } from "../support/two-node-cluster";
import { eventually, GOLDEN_PATH, runToEnd, sessionWhen, sleep, type TestClient, type TestNode, wrapClient } from "../support/test-node";

/**
 * Two real nodes on one Redis and one PostgreSQL database. Redis is a private redis-server on a free
 * port (the restart test stops it); the shared services are never touched.
 */
/** An operator's inspector on `node`, collecting the trace events it is sent, once its snapshot came. */
async function watchInspector(node: TestNode) {
  const inspector = io(`${node.url}/inspector`, {
    auth: { token: await node.token("ops", "operator") },
    transports: ["websocket"],
    forceNew: true,
  });
  const got: TraceEvent[] = [];
  inspector.on("trace", (batch: { events: TraceEvent[] }) => got.push(...batch.events));
  await new Promise((r) => inspector.once("snapshot", r));
  return { inspector, got };
}

describe("cluster of two nodes", () => {
  let cluster: TwoNodeCluster;
  let redis: PrivateRedis;
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    cluster = await startTwoNodeCluster("cluster", { FAULT_INJECTION: "1", RECOVERY_WINDOW_MS: "30000" });
    ({ a, b, redis } = cluster);
  });
  afterAll(() => cluster?.stop());

  it("delivers a user's events to their connections on both nodes, in order, and to nobody else", async () => {
    const onA = await a.connect("ann");
    const onB = await b.connect("ann");
    const otherA = await a.connect("bob");
    const otherB = await b.connect("bob");
    const { runId } = await runToEnd(onA, { type: "user_message", payload: { content: "what is 3 * 4" } });
    await onB.waitFor((e) => e.run_id === runId && e.type === "agent_completed");
    const seen = (c: TestClient) => c.events.filter((e) => e.run_id === runId).map((e) => `${e.seq}:${e.type}`);
    expect(seen(onB)).toEqual(seen(onA));
    expect([...new Set(onA.events.filter((e) => e.run_id === runId).map((e) => e.type))]).toEqual(GOLDEN_PATH);
    await sleep(200);
    for (const c of [otherA, otherB]) expect(c.events.every((e) => e.user_id === "bob" || e.user_id === null)).toBe(true);
    const session = await sessionWhen(b, runId, "passed");
    const connections = new Set(session.events.flatMap((e) => e.deliveries.map((d) => d.connection_id)));
    expect(connections).toEqual(new Set([onA.connectionId, onB.connectionId]));
  });

  it("broadcasts reach every node once", async () => {
    const ca = await a.connect("cat");
    const cb = await b.connect("cat");
    const ops = await a.connect("ops", { role: "operator" });
    await ops.send({ type: "broadcast", payload: { content: "maintenance at noon", priority: 100 } });
    for (const c of [ca, cb]) await c.waitFor((e) => e.type === "system_message" && e.payload.content === "maintenance at noon");
    await sleep(300);
    for (const c of [ca, cb]) expect(c.events.filter((e) => e.payload.content === "maintenance at noon")).toHaveLength(1);
  });

  it("shows node A's traces live on node B's inspector, stamped with node_id", async () => {
    const { inspector, got } = await watchInspector(b);
    await inspector.timeout(5000).emitWithAck("subscribe", { node_id: "node-a" });
    const dan = await a.connect("dan");
    const { runId } = await runToEnd(dan, { type: "user_message", payload: { content: "explain isolation" } });
    await eventually(() => got.some((e) => e.run_id === runId && e.kind === "delivered"), 5000, "A's traces on B");
    expect(got.every((e) => e.node_id === "node-a")).toBe(true);
    inspector.close();
  });

  it("relays A's trace batches only while an inspector on another node is watched", async () => {
    const relayed = () => a.node.parts.cluster!.tracesRelayed;
    await sleep(300); // the last test's inspector closed: node B's notice that nobody watches reaches A
    const before = relayed();
    const fay = await a.connect("fay");
    await runToEnd(fay, { type: "user_message", payload: { content: "what is 6 * 7" } });
    await sleep(200); // two trace flushes
    expect(relayed(), "no inspector watched: nothing relayed").toBe(before);

    const { inspector, got } = await watchInspector(b);
    await sleep(300); // B's notice reaches A
    const { runId } = await runToEnd(fay, { type: "user_message", payload: { content: "what is 6 * 8" } });
    await eventually(() => got.some((e) => e.run_id === runId && e.kind === "delivered"), 5000, "A's traces on B once watched");
    expect(relayed()).toBeGreaterThan(before);
    inspector.close();
  });

  it("covers the whole cluster in /api/connections and /api/stats, from either node", async () => {
    const list = (await (await b.api("/api/connections")).json()) as { node_id: string }[];
    expect(new Set(list.map((c) => c.node_id))).toEqual(new Set(["node-a", "node-b"]));
    const stats = (await (await a.api("/api/stats")).json()) as { nodes: string[]; connections: number };
    expect(stats.nodes.sort()).toEqual(["node-a", "node-b"]);
    expect(stats.connections).toBe(list.length);
    const health = (await (await a.api("/api/health", { token: null })).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: "ok", cluster: "ok", node_id: "node-a" });
  });

  it("shows and replays a session of node A from node B", async () => {
    const eve = await a.connect("eve");
    const { runId } = await runToEnd(eve, { type: "user_message", payload: { content: "search replay", simulate: { fail_tool: true } } });
    const s = await sessionWhen(b, runId, "failed");
    expect(s.verdict.reasons).toEqual(["agent_error"]);
    const res = await b.api(`/api/sessions/${runId}/replay`, {
      method: "POST",
      body: JSON.stringify({ faults: "none" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { verdict: { passed: boolean } }).verdict.passed).toBe(true);
  });

  it("stops a run on node A from the user's connection on node B", async () => {
    const onA = await a.connect("ivy");
    const onB = await b.connect("ivy");
    const ack = await onA.send({ type: "user_message", payload: { content: "what is 5 * 5", simulate: { delay_ms: 3000 } } });
    const runId = ack.run_id as string;
    await onB.waitFor((e) => e.run_id === runId && e.type === "tool_executing");
    await sessionWhen(b, runId, "running"); // node B knows the run once A's session row is written (write-behind, 50 ms)
    const stopAck = await onB.send({ type: "stop_agent", payload: { run_id: runId } });
    expect(stopAck, JSON.stringify(stopAck)).toMatchObject({ ok: true });
    const end = await onB.waitFor((e) => e.run_id === runId && e.type === "agent_completed", 2500);
    expect(end.payload.status).toBe("cancelled");
    const s = await sessionWhen(b, runId, "cancelled");
    expect(s.inbound.map((i) => i.type)).toEqual(["user_message", "stop_agent"]);
  });

  it("recovers missed events when the client reconnects to the other node", async () => {
    const first = io(a.url, { auth: { token: await a.token("fay") }, transports: ["websocket"], reconnection: false, forceNew: true });
    const fay = await wrapClient(first, "fay");
    const ack = await fay.send({ type: "user_message", payload: { content: "what is 9 * 9", simulate: { delay_ms: 1200 } } });
    const runId = ack.run_id as string;
    await fay.waitFor((e) => e.run_id === runId && e.type === "tool_executing");
    const { _pid: pid, _lastOffset: offset } = first as unknown as { _pid: string; _lastOffset: string };
    expect(pid).toBeTruthy();
    first.io.engine.close(); // the network drops: a recoverable disconnect
    await sleep(1800); // tool_completed and agent_completed are emitted while fay is away
    // The same client session, now against node B (as a load balancer would send it elsewhere).
    const again = io(b.url, {
      auth: { token: await b.token("fay") },
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      autoConnect: false,
    });
    Object.assign(again, { _pid: pid, _lastOffset: offset });
    const connected = wrapClient(again, "fay");
    again.connect();
    const back = await connected;
    expect(again.recovered).toBe(true);
    await back.waitFor((e) => e.run_id === runId && e.type === "agent_completed");
    const types = back.events.filter((e) => e.run_id === runId).map((e) => e.type);
    expect(types).toEqual(["tool_completed", "agent_completed"]);
    const session = await sessionWhen(a, runId, "passed", 8000);
    const recovered = session.events.flatMap((e) => e.deliveries).filter((d) => (d as { recovered?: boolean }).recovered);
    expect(recovered.length).toBe(2);
    again.close();
  });

  it("keeps each node serving its own connections while Redis is down, and rejoins after", async () => {
    const gus = await a.connect("gus");
    await redis.stop();
    await eventually(async () => (await a.api("/api/health", { token: null })).status === 503, 10_000, "degraded health");
    const health = (await (await a.api("/api/health", { token: null })).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: "degraded", cluster: "degraded", db: "ok" });
    const { events } = await runToEnd(gus, { type: "user_message", payload: { content: "what is 1 + 1" } });
    expect([...new Set(events.map((e) => e.type))]).toEqual(GOLDEN_PATH);
    await redis.start();
    await eventually(
      async () =>
        (await a.api("/api/health", { token: null })).status === 200 && (await b.api("/api/health", { token: null })).status === 200,
      15_000,
      "both nodes healthy",
    );
    const onA = await a.connect("hal");
    const onB = await b.connect("hal");
    await sleep(500);
    const { runId } = await runToEnd(onA, { type: "user_message", payload: { content: "what is 2 + 5" } });
    await onB.waitFor((e) => e.run_id === runId && e.type === "agent_completed", 8000);
  });
});
