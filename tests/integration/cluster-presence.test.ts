import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRESENCE_TTL_MS } from "../../server/cluster/presence";
import { startTwoNodeCluster, type TwoNodeCluster } from "../support/two-node-cluster";
import { GOLDEN_PATH, runToEnd, sleep, type TestClient, type TestNode } from "../support/test-node";

/**
 * Presence-based relay between two real nodes on a private Redis: a node relays a user's events only
 * to the nodes that hold that user, in one message per batch, and a user that just connected to a
 * second node receives every event emitted after its connection_established there.
 */
describe("cluster presence", () => {
  let cluster: TwoNodeCluster;
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    // LOG_LEVEL warn: a stop that waits on one of its parts says which (server/shutdown-step.ts).
    cluster = await startTwoNodeCluster("presence", { LOG_LEVEL: "warn" });
    ({ a, b } = cluster);
  });
  afterAll(() => cluster?.stop());

  const stats = (n: TestNode) => n.node.cluster!.relayStats;
  const runEvents = (c: TestClient, runId: string) => c.events.filter((e) => e.run_id === runId).map((e) => `${e.seq}:${e.type}`);

  it("sends no relay traffic to a node that does not hold the user", async () => {
    const ada = await a.connect("ada");
    const sentBefore = stats(a).sent;
    const receivedBefore = stats(b).received;
    const { runId } = await runToEnd(ada, { type: "user_message", payload: { content: "what is 3 * 4" } });
    expect([...new Set(ada.events.filter((e) => e.run_id === runId).map((e) => e.type))]).toEqual(GOLDEN_PATH);
    await sleep(200);
    expect(stats(b).received).toBe(receivedBefore);
    expect(stats(a).sent).toBe(sentBefore);
  });

  it("relays a user's events to the other node that holds it, batched, in order", async () => {
    const onA = await a.connect("ben");
    const onB = await b.connect("ben");
    const before = { ...stats(b) };
    const { runId } = await runToEnd(onA, { type: "user_message", payload: { content: "what is 2 + 5" } });
    await onB.waitFor((e) => e.run_id === runId && e.type === "agent_completed");
    expect(runEvents(onB, runId)).toEqual(runEvents(onA, runId));
    const after = stats(b);
    const events = after.eventsReceived - before.eventsReceived;
    const messages = after.received - before.received;
    expect(events).toBeGreaterThanOrEqual(GOLDEN_PATH.length);
    // Events emitted in the same turn travel together: fewer messages than events.
    expect(messages).toBeGreaterThan(0);
    expect(messages).toBeLessThan(events);
  });

  it("delivers every event emitted after connection_established on a node the user just joined", async () => {
    for (let i = 0; i < 5; i++) {
      const user = `cy-${i}`;
      const onA = await a.connect(user);
      // The user arrives on node B; at once (after its greeting) a run starts on node A.
      const onB = await b.connect(user);
      const { runId } = await runToEnd(onA, { type: "user_message", payload: { content: "what is 6 * 7" } });
      await onB.waitFor((e) => e.run_id === runId && e.type === "agent_completed", 5000);
      expect(runEvents(onB, runId)).toEqual(runEvents(onA, runId));
      onA.close();
      onB.close();
    }
  });

  it("keeps each node's claim in Redis with an expiry", async () => {
    await a.connect("dot");
    await b.connect("eve");
    const client = createClient({ url: cluster.redis.url });
    await client.connect();
    try {
      const now = Date.now();
      const dot = await client.zRangeWithScores(`${cluster.prefix}:presence:dot`, 0, -1);
      expect(dot.map((m) => m.value)).toEqual(["node-a"]);
      expect(dot[0]!.score).toBeGreaterThan(now);
      expect(dot[0]!.score).toBeLessThanOrEqual(now + PRESENCE_TTL_MS);
      expect(await client.pTTL(`${cluster.prefix}:presence:dot`)).toBeGreaterThan(0);
      expect((await client.zRange(`${cluster.prefix}:presence:eve`, 0, -1)).sort()).toEqual(["node-b"]);
    } finally {
      await client.quit();
    }
  });
});
