import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runToEnd, sessionWhen, sleep, startTestNode, type TestNode } from "../support/test-node";

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
  // retry (same message_id, later) is routed. Other first acks, rejections included, are returned again.
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
    expect(await c.send({ type: "ping", message_id: "retry-unknown" })).toEqual(unknown);
    c.close();
  });
});
