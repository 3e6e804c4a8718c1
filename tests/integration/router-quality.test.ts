import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminal, runToEnd, sleep, startTestNode, type TestClient, type TestNode } from "../support/test-node";

/** The quality family: metrics from real runs, alerts about the subscriber's own runs, validation, reports. */

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({ FAULT_INJECTION: "1" });
});
afterAll(() => t.stop());

async function reply(client: TestClient, envelope: Record<string, unknown>, type: string) {
  const ack = await client.send(envelope);
  expect(ack).toMatchObject({ ok: true, type: envelope.type });
  return (await client.waitFor((e) => e.type === type && e.trace_id === ack.trace_id)).payload;
}

describe("get_quality_metrics", () => {
  it("a user with no runs sees zeros", async () => {
    const fresh = await t.connect("q-fresh");
    const m = await reply(fresh, { type: "get_quality_metrics" }, "quality_metrics");
    expect(m).toMatchObject({ total_runs: 0, completed: 0, failed: 0 });
    fresh.close();
  });

  it("reflects the runs just made: counts, rates, tools, per agent", async () => {
    const u = await t.connect("q-metrics");
    await runToEnd(u, { type: "user_message", payload: { content: "what is 2 + 3?" } });
    await runToEnd(u, { type: "user_message", payload: { content: "what is 4 + 5?" } });
    await runToEnd(u, { type: "user_message", payload: { content: "what is 6 + 7?", simulate: { fail_tool: true } } });
    await runToEnd(u, { type: "start_agent", payload: { content: "what is 8 + 9?", agent_name: "analyst" } });
    const m = await reply(u, { type: "get_quality_metrics", payload: { period_hours: 24 } }, "quality_metrics");
    expect(m).toMatchObject({ total_runs: 4, completed: 3, failed: 1, cancelled: 0, tool_calls: 4 });
    expect(m.success_rate).toBeCloseTo(0.75, 2);
    expect(m.error_rate).toBeCloseTo(0.25, 2);
    expect(m.tool_success_rate).toBeCloseTo(0.75, 2);
    expect(m.quality_score).toBeGreaterThan(0);
    expect(m.quality_score).toBeLessThanOrEqual(1);
    expect(m.avg_duration_ms).toBeGreaterThanOrEqual(0);
    expect(m.avg_events_per_run).toBeCloseTo(5, 5);

    const analyst = await reply(u, { type: "get_quality_metrics", payload: { agent_name: "analyst" } }, "quality_metrics");
    expect(analyst).toMatchObject({ agent_name: "analyst", total_runs: 1, completed: 1, failed: 0 });

    // Another run moves the numbers at once.
    await runToEnd(u, { type: "user_message", payload: { content: "what is 1 + 9?" } });
    const after = await reply(u, { type: "get_quality_metrics" }, "quality_metrics");
    expect(after).toMatchObject({ total_runs: 5, completed: 4, failed: 1 });
    u.close();
  });

  it("a user's metrics count only that user's runs; an operator's count everyone's", async () => {
    const other = await t.connect("q-other");
    await runToEnd(other, { type: "user_message", payload: { content: "what is 3 * 3?" } });
    const mine = await reply(other, { type: "get_quality_metrics" }, "quality_metrics");
    expect(mine).toMatchObject({ total_runs: 1, completed: 1 });
    const op = await t.connect("q-op", { role: "operator" });
    const all = await reply(op, { type: "get_quality_metrics" }, "quality_metrics");
    expect(all.total_runs as number).toBeGreaterThanOrEqual(6);
    other.close();
    op.close();
  });
});

describe("subscribe_quality_alerts", () => {
  it("subscribe -> quality_alerts_subscribed; a failing run gives a quality_alert to the owner only", async () => {
    const [a1, a2, b] = await Promise.all([t.connect("q-alert-a"), t.connect("q-alert-a"), t.connect("q-alert-b")]);
    await reply(a1, { type: "subscribe_quality_alerts", payload: { action: "subscribe" } }, "quality_alerts_subscribed");
    await reply(b, { type: "subscribe_quality_alerts", payload: { action: "subscribe" } }, "quality_alerts_subscribed");

    const { runId } = await runToEnd(a1, { type: "user_message", payload: { content: "what is 9 - 1?", simulate: { fail_tool: true } } });
    const alert = await a1.waitFor((e) => e.type === "quality_alert" && e.payload.run_id === runId);
    expect(alert.user_id).toBe("q-alert-a");
    expect(alert.payload).toMatchObject({ run_id: runId });
    // Every connection of the owner gets it; the other subscriber gets nothing about it.
    await a2.waitFor((e) => e.type === "quality_alert" && e.payload.run_id === runId);
    await sleep(150);
    expect(b.events.filter((e) => e.type === "quality_alert")).toEqual([]);

    // A passing run gives no alert.
    const ok = await runToEnd(a1, { type: "user_message", payload: { content: "what is 9 - 2?" } });
    await sleep(100);
    expect(a1.events.filter((e) => e.type === "quality_alert" && e.payload.run_id === ok.runId)).toEqual([]);

    // b's own failing run alerts b only.
    const bRun = await runToEnd(b, { type: "user_message", payload: { content: "what is 9 - 3?", simulate: { fail_tool: true } } });
    await b.waitFor((e) => e.type === "quality_alert" && e.payload.run_id === bRun.runId);
    await sleep(100);
    expect(a1.events.filter((e) => e.type === "quality_alert" && e.payload.run_id === bRun.runId)).toEqual([]);
    for (const c of [a1, a2, b]) c.close();
  });

  it("unsubscribe -> quality_alerts_unsubscribed, and no more alerts", async () => {
    const u = await t.connect("q-unsub");
    await reply(u, { type: "subscribe_quality_alerts", payload: { action: "subscribe" } }, "quality_alerts_subscribed");
    await reply(u, { type: "subscribe_quality_alerts", payload: { action: "unsubscribe" } }, "quality_alerts_unsubscribed");
    const { runId } = await runToEnd(u, { type: "user_message", payload: { content: "what is 5 - 5?", simulate: { fail_tool: true } } });
    await u.waitFor(isTerminal(runId));
    await sleep(150);
    expect(u.events.filter((e) => e.type === "quality_alert")).toEqual([]);
    u.close();
  });

  it("without a subscription a failing run gives no alert", async () => {
    const u = await t.connect("q-nosub");
    await runToEnd(u, { type: "user_message", payload: { content: "what is 5 - 4?", simulate: { fail_tool: true } } });
    await sleep(150);
    expect(u.events.filter((e) => e.type === "quality_alert")).toEqual([]);
    u.close();
  });
});

describe("validate_content", () => {
  let u: TestClient;
  beforeAll(async () => {
    u = await t.connect("q-validate");
  });

  it("good content is valid with a high score and no issues", async () => {
    const r = await reply(
      u,
      { type: "validate_content", payload: { content: "The capital of Portugal is Lisbon, on the Tagus river." } },
      "content_validation_result",
    );
    expect(r).toEqual({ valid: true, score: 1, issues: [] });
  });

  it("unsafe markup is an issue that makes the content invalid", async () => {
    const r = await reply(
      u,
      { type: "validate_content", payload: { content: "Click here <script>alert(1)</script> for a prize" } },
      "content_validation_result",
    );
    expect(r.valid).toBe(false);
    expect(r.score as number).toBeGreaterThanOrEqual(0);
    expect(r.score as number).toBeLessThan(1);
    expect((r.issues as unknown[]).length).toBeGreaterThan(0);
  });

  it("strict_mode raises the bar: a short answer passes normally and fails strictly", async () => {
    const normal = await reply(u, { type: "validate_content", payload: { content: "Yes, ok." } }, "content_validation_result");
    const strict = await reply(
      u,
      { type: "validate_content", payload: { content: "Yes, ok.", strict_mode: true } },
      "content_validation_result",
    );
    expect(normal.score).toBe(strict.score);
    expect(normal.score as number).toBeLessThan(1);
    expect(normal.valid).toBe(true);
    expect(strict.valid).toBe(false);
    expect((strict.issues as unknown[]).length).toBeGreaterThan(0);
  });

  it("content_type json checks the JSON; empty content is invalid", async () => {
    const bad = await reply(
      u,
      { type: "validate_content", payload: { content: "{not json", content_type: "json" } },
      "content_validation_result",
    );
    expect(bad.valid).toBe(false);
    const good = await reply(
      u,
      { type: "validate_content", payload: { content: '{"answer": 42, "unit": "none"}', content_type: "json" } },
      "content_validation_result",
    );
    expect(good.valid).toBe(true);
    const empty = await reply(u, { type: "validate_content", payload: { content: "" } }, "content_validation_result");
    expect(empty).toMatchObject({ valid: false, score: 0 });
  });
});

describe("generate_quality_report", () => {
  it.each(["summary", "detailed"])("%s: a markdown report with raw data and a timestamp, from real runs", async (reportType) => {
    const u = await t.connect(`q-report-${reportType}`);
    await runToEnd(u, { type: "user_message", payload: { content: "what is 2 * 8?" } });
    await runToEnd(u, { type: "user_message", payload: { content: "what is 3 * 8?", simulate: { fail_tool: true } } });
    const r = await reply(
      u,
      { type: "generate_quality_report", payload: { report_type: reportType, period_hours: 1 } },
      "quality_report_generated",
    );
    expect(typeof r.report).toBe("string");
    expect(r.report as string).toMatch(/^# /m);
    expect(r.report as string).toMatch(/\*\*2\*\*/); // two runs, in bold
    expect(r.raw_data).toMatchObject({ metrics: { total_runs: 2, completed: 1, failed: 1 } });
    expect(Date.parse(r.timestamp as string)).not.toBeNaN();
    u.close();
  });
});
