import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricValue, runToEnd, sessionWhen, sleep, startTestNode, type TestNode } from "../support/test-node";

/** RATE_LIMITED with small overrides: 2 messages/s per connection, burst 4 (PROTOCOL.md "Errors"). */

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({ RATE_LIMIT_PER_S: "2", RATE_LIMIT_BURST: "4" });
});
afterAll(() => t.stop());

const codeOf = (ack: Record<string, unknown>) => (ack.ok ? "ok" : (ack.error as { code: string }).code);

describe("RATE_LIMITED", () => {
  it("the burst passes, the next message is RATE_LIMITED; the connection stays open and recovers; others are unaffected", async () => {
    const fast = await t.connect("rl-fast");
    const sibling = await t.connect("rl-fast");
    const other = await t.connect("rl-other");
    const acks = await Promise.all(Array.from({ length: 6 }, () => fast.send({ type: "ping" })));
    expect(acks.map(codeOf)).toEqual(["ok", "ok", "ok", "ok", "RATE_LIMITED", "RATE_LIMITED"]);
    expect(acks[4]).toMatchObject({
      ok: false,
      error: { code: "RATE_LIMITED", message: expect.any(String) },
      trace_id: expect.any(String),
    });

    // Per connection: the same user's other connection and another user are not limited; a run passes.
    expect(codeOf(await sibling.send({ type: "ping" }))).toBe("ok");
    const { runId } = await runToEnd(other, { type: "user_message", payload: { content: "what is 2 + 2?" } });
    expect((await sessionWhen(t, runId)).status).toBe("passed");

    expect(fast.socket.connected).toBe(true);
    await sleep(1100);
    const after = await fast.send({ type: "ping" });
    expect(codeOf(after)).toBe("ok");
    await fast.waitFor((e) => e.type === "pong" && e.trace_id === after.trace_id);
    for (const c of [fast, sibling, other]) c.close();
  });

  it("a limited connection gets RATE_LIMITED as an error_message event when it sent no ack callback", async () => {
    const c = await t.connect("rl-noack");
    for (let i = 0; i < 6; i++) c.socket.emit("message", { type: "heartbeat" });
    const evt = await c.waitFor((e) => e.type === "error_message");
    expect(evt.payload).toEqual({ error_code: "RATE_LIMITED", error_message: expect.any(String) });
    c.close();
  });

  // The limiter runs before validation, so a flood of garbage is throttled like any other traffic.
  it("malformed messages count against the rate limit too", async () => {
    const c = await t.connect("rl-garbage");
    const acks = await Promise.all(Array.from({ length: 6 }, () => c.socket.timeout(5000).emitWithAck("message", "garbage")));
    expect(acks.map((a) => codeOf(a as Record<string, unknown>))).toEqual([
      ...Array(4).fill("INVALID_MESSAGE"),
      "RATE_LIMITED",
      "RATE_LIMITED",
    ]);
    expect(codeOf(await c.send({ type: "ping" }))).toBe("RATE_LIMITED");
    await sleep(1100);
    expect(codeOf(await c.send({ type: "ping" }))).toBe("ok");
    c.close();
  });

  // A RATE_LIMITED message was never routed, so its ack is not remembered under its message_id: the normal
  // retry (same message_id, later) is routed. Other first acks, rejections included, are returned again,
  // once the repeat itself is within the rate limit (repeats are throttled like any message).
  it("a RATE_LIMITED message can be retried with the same message_id; other rejections are remembered", async () => {
    const c = await t.connect("rl-retry");
    const acks = await Promise.all(Array.from({ length: 5 }, (_, i) => c.send({ type: "ping", message_id: `retry-${i}` })));
    expect(codeOf(acks[4]!)).toBe("RATE_LIMITED");
    expect(acks[4]!.message_id).toBe("retry-4");
    await sleep(1100);
    const retried = await c.send({ type: "ping", message_id: "retry-4" });
    expect(retried).toMatchObject({ ok: true, type: "ping", message_id: "retry-4" });
    await c.waitFor((e) => e.type === "pong" && e.trace_id === retried.trace_id);
    const unknown = await c.send({ type: "no_such_type", message_id: "retry-unknown" });
    expect(codeOf(unknown)).toBe("UNKNOWN_MESSAGE_TYPE");
    // A repeat is answered from the cache only after the rate limiter (it is a message too): next window.
    await sleep(1100);
    expect(await c.send({ type: "ping", message_id: "retry-unknown" })).toEqual(unknown);
    c.close();
  });
});

describe("fair share per user (PROTOCOL.md 'Starting the server')", () => {
  let n: TestNode;
  beforeAll(async () => {
    // 5/s burst 5 per connection; the per-user budget is set to 8/s burst 8 (default: 4x the connection's).
    n = await startTestNode({ RATE_LIMIT_PER_S: "5", RATE_LIMIT_BURST: "5", USER_RATE_LIMIT_PER_S: "8", USER_RATE_LIMIT_BURST: "8" });
  });
  afterAll(() => n?.stop());

  it("bounds a user across all connections; another user is untouched", async () => {
    const conns = await Promise.all(Array.from({ length: 4 }, () => n.connect("fair-many")));
    const other = await n.connect("fair-other");
    const acks = (await Promise.all(conns.map((c) => Promise.all(Array.from({ length: 3 }, () => c.send({ type: "ping" })))))).flat();
    expect(acks.filter((a) => a.ok)).toHaveLength(8);
    const limited = acks.filter((a) => !a.ok);
    expect(limited).toHaveLength(4);
    for (const a of limited) expect(a.error).toMatchObject({ code: "RATE_LIMITED", message: expect.stringContaining("this user") });
    expect(codeOf(await other.send({ type: "ping" }))).toBe("ok");
    for (const c of [...conns, other]) c.close();
  });

  it("an expensive request counts as several messages (get_thread_history: 5)", async () => {
    const c = await n.connect("fair-history");
    const thread = (await c.send({ type: "create_thread", payload: {} })).thread_id as string;
    await sleep(1100);
    expect(codeOf(await c.send({ type: "get_thread_history", payload: { thread_id: thread } }))).toBe("ok");
    // The connection's 5 for this second are spent by that one request.
    expect(codeOf(await c.send({ type: "ping" }))).toBe("RATE_LIMITED");
    c.close();
  });

  /** A /metrics value (0 when absent). */
  const metric = async (name: string) => (await metricValue(n, name)) ?? 0;

  it("a repeated message_id is throttled like any message and writes no trace of its own; a flood's refusals are counted, not each traced", async () => {
    const c = await n.connect("fair-repeat");
    const untracedBefore = await metric("switchyard_rejections_untraced_total");
    const first = await c.send({ type: "ping", message_id: "fair-1" });
    const count = async () => (await (await n.api("/api/traces?user_id=fair-repeat&limit=1000")).json()).length as number;
    const settled = await (async () => {
      let last = -1;
      for (;;) {
        await sleep(400);
        const now = await count();
        if (now === last) return now;
        last = now;
      }
    })();
    const repeats = await Promise.all(Array.from({ length: 8 }, () => c.send({ type: "ping", message_id: "fair-1" })));
    // The connection's bucket (burst 5) has refilled while the traces settled: its tokens pass, the rest is refused.
    const passed = repeats.filter((a) => a.ok);
    const refused = repeats.filter((a) => !a.ok);
    expect(passed.length).toBeGreaterThanOrEqual(4);
    expect(passed).toEqual(Array.from({ length: passed.length }, () => first));
    expect(refused.map(codeOf)).toEqual(Array(8 - passed.length).fill("RATE_LIMITED"));
    await sleep(800);
    // The repeats answered from the cache add nothing. Of the refusals, the first of the connection in
    // each second is stored (one `rejected` row: a ping's `received` is a routine heartbeat step, counted
    // rather than stored); the others are only counted.
    const stored = (await count()) - settled;
    expect(stored).toBeGreaterThanOrEqual(1);
    expect(stored).toBeLessThanOrEqual(2);
    expect((await metric("switchyard_rejections_untraced_total")) - untracedBefore).toBe(refused.length - stored);
    c.close();
  });

  it("events of a run already running are never held back by a spent budget", async () => {
    const [c, watcher] = await Promise.all([n.connect("fair-run"), n.connect("fair-run")]);
    const ack = await c.send({ type: "user_message", payload: { content: "what is 6 * 7 and what is the router?" } });
    const runId = ack.run_id as string;
    await Promise.all(Array.from({ length: 10 }, () => watcher.send({ type: "ping" })));
    const last = await watcher.waitFor((e) => e.run_id === runId && e.type === "agent_completed");
    expect(last.payload.final_response).toEqual(expect.any(String));
    expect((await sessionWhen(n, runId)).status).toBe("passed");
    for (const x of [c, watcher]) x.close();
  });
});
