import { afterAll, describe, expect, it } from "vitest";
import { dropDatabase, freshPostgresUrl } from "../support/postgres";
import { TcpProxy } from "../support/tcp-proxy";
import { eventually, GOLDEN_PATH, startTestNode, type TestNode } from "../support/test-node";

interface Stats {
  trace_drops: number;
  traces_persisted: number;
  messages_routed: number;
}

/**
 * The database goes away under load (a proxy in front of the shared PostgreSQL is cut, the server
 * itself is never touched): routing goes on, the trace queue overflows into a counted drop,
 * /api/health says degraded, and writes resume when the proxy is restored.
 */
describe("database outage", () => {
  const proxy = new TcpProxy("127.0.0.1", 5432);
  let t: TestNode;
  let dbName = "";
  let cut = false;
  afterAll(async () => {
    if (cut) await proxy.restore();
    await t?.stop();
    await proxy.stop();
    if (dbName) await dropDatabase(dbName);
  });

  it("keeps routing, drops and counts traces, reports degraded, then recovers", async () => {
    const port = await proxy.start();
    const db = freshPostgresUrl("outage", `127.0.0.1:${port}`);
    dbName = db.name;
    t = await startTestNode({ DATABASE_URL: db.url, TRACE_QUEUE_MAX: "2000", RATE_LIMIT_PER_S: "100000", RATE_LIMIT_BURST: "100000" });
    const health = await t.api("/api/health", { token: null });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", db: "ok" });

    const user = await t.connect("under-load");
    await proxy.cut();
    cut = true;

    // Load while the database is gone: every run still walks the golden path.
    for (let round = 0; round < 20; round++) {
      const acks = await Promise.all(
        Array.from({ length: 10 }, (_, i) => user.send({ type: "user_message", payload: { content: `what is ${round} + ${i}` } })),
      );
      for (const ack of acks) expect(ack.ok).toBe(true);
      await Promise.all(acks.map((ack) => user.waitFor((e) => e.type === "agent_completed" && e.run_id === ack.run_id)));
    }
    const runs = new Set(user.events.filter((e) => e.run_id).map((e) => e.run_id));
    expect(runs.size).toBe(200);
    for (const run of runs)
      expect([...new Set(user.events.filter((e) => e.run_id === run && e.type !== "thread_created").map((e) => e.type))]).toEqual(
        GOLDEN_PATH,
      );

    const degraded = await t.api("/api/health", { token: null });
    expect(degraded.status).toBe(503);
    expect(await degraded.json()).toMatchObject({ status: "degraded", db: "unavailable" });
    const during = (await (await t.api("/api/stats")).json()) as Stats;
    expect(during.trace_drops).toBeGreaterThan(0);

    await proxy.restore();
    cut = false;
    await eventually(async () => (await t.api("/api/health", { token: null })).status === 200, 15_000, "health ok again");
    const persistedBefore = during.traces_persisted;
    await user.send({ type: "user_message", payload: { content: "what is 2 + 2" } });
    await eventually(
      async () => ((await (await t.api("/api/stats")).json()) as Stats).traces_persisted > persistedBefore,
      15_000,
      "trace writes resumed",
    );
  });
});
