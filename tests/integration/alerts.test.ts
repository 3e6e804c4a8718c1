import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AlertInfo } from "../../contract";
import { buildEvent } from "../../server/transport/event-factory";
import { dropDatabase, freshPostgresUrl } from "../support/postgres";
import { freePort } from "../support/free-port";
import { PrivateRedis } from "../support/private-redis";
import { metricValue, apiJson, eventually, runToEnd, sessionWhen, sleep, startTestNode, type TestNode } from "../support/test-node";

const SECRET = "webhook-secret-for-the-test";

/** One request the receiver got: the raw body as sent, its signature header, and the parsed JSON. */
interface Received {
  raw: string;
  signature: string | undefined;
  body: { text: string; alert: AlertInfo };
}

/** A webhook receiver started in the test: answers `failFirst` requests with 503, then 200. */
async function startReceiver(failFirst = 0): Promise<{ url: string; got: Received[]; attempts: () => number; close(): Promise<void> }> {
  const got: Received[] = [];
  let attempts = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      attempts++;
      if (attempts <= failFirst) return void res.writeHead(503).end("try later");
      const raw = Buffer.concat(chunks).toString("utf8");
      const signature = req.headers["x-switchyard-signature"];
      got.push({ raw, signature: typeof signature === "string" ? signature : undefined, body: JSON.parse(raw) as Received["body"] });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0123/secret-path`,
    got,
    attempts: () => attempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const hmac = (raw: string) => `sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`;
const states = (got: Received[], name: string) => got.filter((g) => g.body.alert.name === name).map((g) => g.body.alert.state);

/** Writes an alerts file in a fresh directory; returns its path. */
function rulesFile(rules: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-alerts-"));
  dirs.push(dir);
  const path = join(dir, "alerts.json");
  writeFileSync(path, JSON.stringify(rules));
  return path;
}
const dirs: string[] = [];

/** Writes an event of `owner` to a connection of `stranger`: the delivery path refuses it and counts an isolation violation. */
async function provokeIsolationViolation(t: TestNode, owner: string, stranger: string): Promise<void> {
  await t.connect(owner);
  const b = await t.connect(stranger);
  const event = buildEvent(
    "agent_thinking",
    { reasoning: `secret of ${owner}`, step_number: 1 },
    { user_id: owner, trace_id: `alert-${owner}`, run_id: `run_${owner}`, thread_id: `thr_${owner}`, seq: 2 },
  );
  expect(t.node.parts.delivery.write(t.node.parts.connections.get(b.connectionId)!, event).delivered).toBe(false);
}

async function metric(t: TestNode, outcome: string): Promise<number> {
  return (await metricValue(t, `switchyard_alert_notifications_total{outcome="${outcome}"}`)) ?? NaN;
}

const nodes: TestNode[] = [];
const receivers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
  await Promise.allSettled(receivers.splice(0).map((r) => r.close()));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function node(env: Record<string, string>, options?: { dataDir?: string }): Promise<TestNode> {
  const t = await startTestNode({ ALERT_EVAL_MS: "200", ALERT_WEBHOOK_SECRET: SECRET, ...env }, options);
  nodes.push(t);
  return t;
}

describe("alerts on one node", () => {
  it("an isolation violation fires once, reaches the webhook signed, is listed, and resolves after the window", async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const t = await node({
      ALERTS_FILE: rulesFile([{ name: "isolation", kind: "isolation_violation", window_s: 2 }]),
      ALERT_WEBHOOK_URLS: receiver.url,
    });
    await provokeIsolationViolation(t, "iso-owner", "iso-stranger");
    const fired = await eventually(() => receiver.got.find((g) => g.body.alert.state === "firing"), 5000, "the firing notification");
    expect(fired.signature).toBe(hmac(fired.raw));
    expect(fired.body.alert).toMatchObject({
      name: "isolation",
      kind: "isolation_violation",
      state: "firing",
      threshold: 0,
      resolved_at: null,
    });
    expect(fired.body.alert.value).toBeGreaterThanOrEqual(1);
    expect(fired.body.text).toMatch(/^:rotating_light: \*FIRING\* isolation \(isolation_violation\): 1 isolation violation/);
    expect(fired.body.text).not.toContain("\n");

    // A second violation inside the episode is the same episode: no second notification.
    await provokeIsolationViolation(t, "iso-owner-2", "iso-stranger-2");
    const firing = await apiJson<AlertInfo[]>(t, "/api/alerts?state=firing");
    expect(firing).toEqual([fired.body.alert]);

    const resolved = await eventually(() => receiver.got.find((g) => g.body.alert.state === "resolved"), 8000, "the resolution");
    expect(resolved.signature).toBe(hmac(resolved.raw));
    expect(resolved.body.alert).toMatchObject({ id: fired.body.alert.id, state: "resolved" });
    expect(Date.parse(resolved.body.alert.resolved_at!) - Date.parse(fired.body.alert.started_at)).toBeGreaterThanOrEqual(2000);
    expect(states(receiver.got, "isolation")).toEqual(["firing", "resolved"]);
    expect(await apiJson<AlertInfo[]>(t, "/api/alerts?state=firing")).toEqual([]);
    expect(await apiJson<AlertInfo[]>(t, "/api/alerts")).toEqual([resolved.body.alert]);
  });

  it("an episode firing at shutdown is still firing after a restart, not notified again, and resolves later", async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const dataDir = mkdtempSync(join(tmpdir(), "switchyard-alerts-restart-"));
    dirs.push(dataDir);
    // A window longer than a stop and a start take on a busy machine (3-6 s seen).
    const env = {
      ALERTS_FILE: rulesFile([{ name: "isolation", kind: "isolation_violation", window_s: 8 }]),
      ALERT_WEBHOOK_URLS: receiver.url,
    };
    const first = await node(env, { dataDir });
    await provokeIsolationViolation(first, "r-owner", "r-stranger");
    const fired = await eventually(() => receiver.got.find((g) => g.body.alert.state === "firing"), 5000, "the firing notification");
    await first.stop({ keepData: true });

    const second = await node(env, { dataDir });
    expect(await apiJson<AlertInfo[]>(second, "/api/alerts?state=firing")).toEqual([fired.body.alert]);
    await sleep(1000);
    expect(states(receiver.got, "isolation")).toEqual(["firing"]);
    const resolved = await eventually(() => receiver.got.find((g) => g.body.alert.state === "resolved"), 12_000, "the resolution");
    expect(resolved.body.alert.id).toBe(fired.body.alert.id);
    expect(states(receiver.got, "isolation")).toEqual(["firing", "resolved"]);
  }, 30_000);

  it("a pass-rate drop under fault injection fires, and resolves once the window is clear", async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const t = await node({
      FAULT_INJECTION: "1",
      ALERTS_FILE: rulesFile([{ name: "golden", kind: "pass_rate", threshold: 0.9, window_s: 5, min_runs: 3 }]),
      ALERT_WEBHOOK_URLS: receiver.url,
    });
    const u = await t.connect("pr-user");
    const fail = { type: "user_message", payload: { content: "what is 6 * 7?", simulate: { fail_tool: true } } };
    const { runId } = await runToEnd(u, fail);
    await runToEnd(u, fail);
    await runToEnd(u, { type: "user_message", payload: { content: "what is 2 + 2?" } });
    expect((await sessionWhen(t, runId)).status).toBe("failed");
    const fired = await eventually(() => receiver.got.find((g) => g.body.alert.state === "firing"), 5000, "the firing notification");
    expect(fired.body.alert).toMatchObject({ name: "golden", kind: "pass_rate", threshold: 0.9 });
    expect(fired.body.alert.value).toBeCloseTo(1 / 3, 3);
    expect(fired.body.text).toContain("golden-path pass rate 33.3% below 90.0%");
    expect(fired.signature).toBe(hmac(fired.raw));
    // No runs for a window: fewer than min_runs counts as clear.
    const resolved = await eventually(() => receiver.got.find((g) => g.body.alert.state === "resolved"), 12_000, "the resolution");
    expect(resolved.body.alert.id).toBe(fired.body.alert.id);
    expect(states(receiver.got, "golden")).toEqual(["firing", "resolved"]);
  });

  it("an unreachable webhook is retried with backoff and never blocks routing", async () => {
    const flaky = await startReceiver(2);
    receivers.push(flaky);
    const closedPort = `http://127.0.0.1:${await freePort()}/hook`;
    const t = await node({
      ALERTS_FILE: rulesFile([{ name: "isolation", kind: "isolation_violation", window_s: 60 }]),
      ALERT_WEBHOOK_URLS: `${flaky.url},${closedPort}`,
    });
    const bystander = await t.connect("bystander");
    await provokeIsolationViolation(t, "w-owner", "w-stranger");
    // The flaky receiver answered 503 twice, then took the third attempt (1 s, then 2 s later).
    const got = await eventually(() => flaky.got[0], 8000, "the third attempt");
    expect(flaky.attempts()).toBe(3);
    expect(got.signature).toBe(hmac(got.raw));
    // Meanwhile the closed port keeps being retried, and runs pass promptly.
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const { runId } = await runToEnd(bystander, { type: "user_message", payload: { content: `what is ${i} + 1?` } });
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await sessionWhen(t, runId)).status).toBe("passed");
    }
    expect(await metric(t, "sent")).toBe(1);
    expect(await metric(t, "retried")).toBeGreaterThanOrEqual(3);
    expect(await metric(t, "failed")).toBe(0);
    expect(states(flaky.got, "isolation")).toEqual(["firing"]);
  });

  it("a bad alerts file stops the start with one line naming the rule and the field", async () => {
    const path = rulesFile([
      { name: "ok", kind: "degraded" },
      { name: "bad-rate", kind: "pass_rate", threshold: 1.5 },
    ]);
    await expect(startTestNode({ ALERTS_FILE: path })).rejects.toThrow(
      `ALERTS_FILE ${path}: rule 1 ("bad-rate") field threshold: a rate threshold must be between 0 and 1`,
    );
  });
});

describe("alerts in a cluster of two nodes", () => {
  const db = freshPostgresUrl("alerts");
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
  });
  afterAll(async () => {
    await redis?.stop();
    await dropDatabase(db.name);
  });

  it("one node writes each episode and sends each notification, whichever node saw the violations", async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `sy-alerts-${process.pid}`,
      ALERTS_FILE: rulesFile([{ name: "isolation", kind: "isolation_violation", window_s: 2 }]),
      ALERT_WEBHOOK_URLS: receiver.url,
    };
    const [a, b] = await Promise.all([node({ ...env, NODE_ID: "node-a" }), node({ ...env, NODE_ID: "node-b" })]);
    await sleep(500);
    await Promise.all([provokeIsolationViolation(a, "ca-owner", "ca-stranger"), provokeIsolationViolation(b, "cb-owner", "cb-stranger")]);
    const fired = await eventually(() => receiver.got.find((g) => g.body.alert.state === "firing"), 5000, "the firing notification");
    await eventually(() => receiver.got.find((g) => g.body.alert.state === "resolved"), 8000, "the resolution");
    await sleep(1000);
    expect(states(receiver.got, "isolation")).toEqual(["firing", "resolved"]);
    expect(receiver.got.every((g) => g.body.alert.id === fired.body.alert.id)).toBe(true);
    for (const t of [a, b])
      expect((await apiJson<AlertInfo[]>(t, "/api/alerts")).map((x) => [x.id, x.state])).toEqual([[fired.body.alert.id, "resolved"]]);
    expect((await metric(a, "sent")) + (await metric(b, "sent"))).toBe(2);
  });
});
