import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, GOLDEN_PATH, startTestNode, type TestNode } from "../support/test-node";

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({ FAULT_INJECTION: "1" });
});
afterAll(() => t.stop());

describe("golden path", () => {
  it("walks the five events in order with seq, run, thread and user ids", async () => {
    const alice = await t.connect("alice");
    const ack = await alice.send({ type: "user_message", payload: { content: "what is 12 * (3 + 4)?" } });
    expect(ack).toMatchObject({ ok: true, type: "user_message" });
    const runId = ack.run_id as string;
    await alice.waitFor((e) => e.type === "agent_completed" && e.run_id === runId);
    const runEvents = alice.events.filter((e) => e.run_id === runId);
    const kinds = [...new Set(runEvents.map((e) => e.type))];
    expect(kinds).toEqual(GOLDEN_PATH);
    expect(runEvents.map((e) => e.seq)).toEqual(runEvents.map((_, i) => i + 1));
    for (const e of runEvents) expect(e).toMatchObject({ user_id: "alice", thread_id: ack.thread_id, run_id: runId });
    const created = alice.events.find((e) => e.type === "thread_created");
    expect(created?.payload.thread_id).toBe(ack.thread_id);
    expect(alice.events.indexOf(created!)).toBeLessThan(alice.events.indexOf(runEvents[0]!));
    const tool = runEvents.find((e) => e.type === "tool_completed" && e.payload.tool_name === "calculator");
    expect(tool?.payload.results).toEqual({ value: 84 });
    const session = await eventually(async () => {
      const res = await t.api(`/api/sessions/${runId}`);
      const body = (await res.json()) as { status: string };
      return body.status === "passed" ? body : null;
    });
    expect(session).toMatchObject({ id: runId, user_id: "alice", verdict: { passed: true, reasons: [] } });
  });
});
