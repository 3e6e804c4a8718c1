import { GOLDEN_PATH } from "../../contract";
import { type TraceEvent } from "../../contract";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import { dropDatabase, freshPostgresUrl } from "../support/postgres";
import { eventually, startTestNode, type TestNode } from "../support/test-node";

interface SessionBody {
  id: string;
  status: string;
  verdict: { passed: boolean; reasons: string[] };
  inbound: { type: string; at_ms: number }[];
  events: { type: string; deliveries: { connection_id: string; delivered: boolean; acknowledged?: boolean }[] }[];
  agent_name: string;
  agent_version: string;
  faults: Record<string, unknown>;
}

const json = async <T>(res: Response): Promise<T> => {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
};

/** The same suite runs against SQLite (default) and PostgreSQL. */
const dialects = [
  {
    name: "sqlite",
    env: (): { env: Record<string, string>; cleanup: () => Promise<void> } => ({ env: {}, cleanup: async () => undefined }),
  },
  {
    name: "postgres",
    env: () => {
      const db = freshPostgresUrl("persist");
      return { env: { DATABASE_URL: db.url }, cleanup: () => dropDatabase(db.name) };
    },
  },
];

describe.each(dialects)("persistence on $name", ({ env }) => {
  const { env: dbEnv, cleanup } = env();
  const dataDir = mkdtempSync(join(tmpdir(), "switchyard-persist-"));
  let t: TestNode;
  afterAll(async () => {
    await t?.stop({ keepData: true });
    await cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let passedRun = "";
  let failedRun = "";
  let traceId = "";

  it("traces a run in causal order: received, routed, handler_started, emitted, delivered, handler_finished", async () => {
    t = await startTestNode({ FAULT_INJECTION: "1", ...dbEnv }, { dataDir });
    const alice = await t.connect("alice", { acks: true });
    const ack = await alice.send({ type: "user_message", payload: { content: "what is 6 * 7" } });
    passedRun = ack.run_id as string;
    traceId = ack.trace_id as string;
    await alice.waitFor((e) => e.type === "agent_completed");
    const traces = await eventually(async () => {
      const list = await json<TraceEvent[]>(await t.api(`/api/traces?trace_id=${traceId}&limit=1000`));
      return list.some((e) => e.kind === "delivered" && e.message_type === "agent_completed") ? list : null;
    });
    const chain = [...traces].reverse();
    const first = (kind: string, type?: string) => chain.findIndex((e) => e.kind === kind && (!type || e.message_type === type));
    expect(first("received")).toBe(0);
    expect(first("routed")).toBeGreaterThan(first("received"));
    expect(first("handler_started")).toBeGreaterThan(first("routed"));
    expect(first("emitted", "thread_created")).toBeGreaterThan(first("handler_started"));
    expect(first("delivered", "thread_created")).toBeGreaterThan(first("emitted", "thread_created"));
    expect(first("handler_finished")).toBeGreaterThan(first("handler_started"));
    expect(first("emitted", "agent_started")).toBeGreaterThan(first("handler_finished"));
    expect(first("delivered", "agent_completed")).toBeGreaterThan(first("emitted", "agent_completed"));
    for (const e of chain) expect(e).toMatchObject({ trace_id: traceId, node_id: "test-node" });
    // opt-in acks are recorded
    await eventually(async () => (await json<TraceEvent[]>(await t.api(`/api/traces?trace_id=${traceId}&kind=acknowledged`))).length >= 5);
  });

  it("records the session with everything a replay needs and a passing verdict", async () => {
    const s = await eventually(async () => {
      const body = await json<SessionBody>(await t.api(`/api/sessions/${passedRun}`));
      return body.status === "passed" && body.events.every((e) => e.deliveries.every((d) => d.acknowledged)) ? body : null;
    });
    expect(s.verdict).toMatchObject({ passed: true, reasons: [] });
    expect(s.agent_name).toBe("assistant");
    expect(s.agent_version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(s.inbound[0]).toMatchObject({ type: "user_message", at_ms: 0 });
    expect(s.events.map((e) => e.type)).toEqual(GOLDEN_PATH);
    expect(s.events.every((e) => e.deliveries.length === 1 && e.deliveries[0]!.delivered)).toBe(true);
  });

  it("lists a failed run (fault injection) as failed with reasons", async () => {
    const bob = await t.connect("bob");
    const ack = await bob.send({ type: "user_message", payload: { content: "search routing", simulate: { fail_tool: true } } });
    failedRun = ack.run_id as string;
    await bob.waitFor((e) => e.type === "agent_error");
    const failed = await eventually(async () => {
      const list = await json<SessionBody[]>(await t.api("/api/sessions?status=failed&user_id=bob"));
      return list.find((s) => s.id === failedRun);
    });
    expect(failed.verdict).toEqual({ passed: false, reasons: ["agent_error"] });
    const detail = await json<SessionBody>(await t.api(`/api/sessions/${failedRun}`));
    expect(detail.faults).toEqual({ fail_tool: true });
    const verdicts = await eventually(async () => {
      const list = await json<TraceEvent[]>(await t.api(`/api/traces?run_id=${failedRun}&kind=session_verdict`));
      return list.length ? list : null;
    });
    expect(verdicts[0]!.error?.code).toBe("agent_error");
    const stats = await json<{ sessions: { passed: number; failed: number } }>(await t.api("/api/stats"));
    expect(stats.sessions).toMatchObject({ passed: 1, failed: 1 });
  });

  it("paginates newest first with X-Next-Cursor and validates filters", async () => {
    const res = await t.api("/api/traces?limit=3");
    const firstPage = await json<TraceEvent[]>(res);
    expect(firstPage).toHaveLength(3);
    expect(firstPage[0]!.ts).toBeGreaterThanOrEqual(firstPage[2]!.ts);
    const cursor = res.headers.get("x-next-cursor");
    expect(cursor).toBeTruthy();
    const second = await json<TraceEvent[]>(await t.api(`/api/traces?limit=3&before=${encodeURIComponent(cursor!)}`));
    expect(second.map((e) => e.id)).not.toContain(firstPage[0]!.id);
    expect(second[0]!.ts).toBeLessThanOrEqual(firstPage[2]!.ts);
    const bad = await t.api("/api/traces?limit=5000");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "INVALID_MESSAGE" } });
    expect((await t.api("/api/sessions?status=bogus")).status).toBe(400);
    expect((await t.api("/api/traces?kind=bogus")).status).toBe(400);
  });

  it("keeps sessions and traces across a restart on the same database", async () => {
    await t.stop({ keepData: true });
    t = await startTestNode({ FAULT_INJECTION: "1", ...dbEnv }, { dataDir });
    const s = await json<SessionBody>(await t.api(`/api/sessions/${failedRun}`));
    expect(s.status).toBe("failed");
    const traces = await json<TraceEvent[]>(await t.api(`/api/traces?trace_id=${traceId}`));
    expect(traces.length).toBeGreaterThan(10);
    // thread ownership survives too: bob's thread is still bob's
    const history = await json<SessionBody>(await t.api(`/api/sessions/${passedRun}`));
    expect(history.status).toBe("passed");
  });
});

describe("inspector namespace", () => {
  let t: TestNode;
  afterAll(() => t?.stop());

  it("sends a snapshot, then live filtered trace batches and stats; pause stops them", async () => {
    t = await startTestNode();
    const ops = io(`${t.url}/inspector`, { auth: { token: await t.token("ops", "operator") }, transports: ["websocket"], forceNew: true });
    const snapshot = await new Promise<Record<string, unknown>>((resolve) => ops.once("snapshot", resolve));
    expect(snapshot).toHaveProperty("handlers");
    expect(snapshot).toHaveProperty("connections");
    expect(snapshot).toHaveProperty("stats");
    const received: TraceEvent[] = [];
    ops.on("trace", (batch: { events: TraceEvent[]; dropped: number }) => received.push(...batch.events));
    await ops.timeout(5000).emitWithAck("subscribe", { user_id: "carol" });
    const carol = await t.connect("carol");
    const dave = await t.connect("dave");
    await dave.send({ type: "ping" });
    const ack = await carol.send({ type: "user_message", payload: { content: "what is 1+1" } });
    await eventually(() => received.some((e) => e.kind === "delivered" && e.message_type === "agent_completed" && e.run_id === ack.run_id));
    expect(received.every((e) => e.user_id === "carol")).toBe(true);
    const kinds = new Set(received.map((e) => e.kind));
    for (const k of ["received", "routed", "handler_started", "handler_finished", "emitted", "delivered"]) expect(kinds).toContain(k);
    const stats = await new Promise<Record<string, unknown>>((resolve) => ops.once("stats", resolve));
    expect(stats).toHaveProperty("p99_ms");
    ops.emit("pause");
    await new Promise((r) => setTimeout(r, 250));
    const before = received.length;
    await carol.send({ type: "ping" });
    await new Promise((r) => setTimeout(r, 400));
    expect(received.length).toBe(before);
    ops.close();
  });

  it("refuses a user token with FORBIDDEN and no token with UNAUTHORIZED", async () => {
    const { tryConnect } = await import("../support/test-node");
    expect(await tryConnect(t.url, { token: await t.token("mallory") }, "/inspector")).toBe("FORBIDDEN");
    expect(await tryConnect(t.url, {}, "/inspector")).toBe("UNAUTHORIZED");
  });
});
