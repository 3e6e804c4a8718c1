import { rawSocketOf } from "../support/raw-client-socket";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricValue, apiJson, eventually, sleep, startTestNode, type TestClient, type TestNode } from "../support/test-node";

/** Byte budgets on every outgoing queue, and history replies in byte-capped pages (issue 16). */

interface TraceRow {
  kind: string;
  connection_id?: string;
  user_id?: string;
  message_type?: string;
  error?: { code: string };
}

/** Fills a thread with `n` messages of `size` characters, through the node's thread store. */
function fillThread(t: TestNode, threadId: string, userId: string, n: number, size: number): void {
  for (let i = 0; i < n; i++) {
    t.node.parts.threads.append({
      threadId,
      userId,
      role: i % 2 ? "assistant" : "user",
      content: `${String(i).padStart(4, "0")} ${"x".repeat(size)}`,
    });
  }
}

describe("thread history in pages", () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode();
  });
  afterAll(() => t?.stop());

  it("pages a big thread by bytes and count, oldest first, and a cursor walks it exactly once", async () => {
    const c = await t.connect("pager");
    const threadId = (await c.send({ type: "create_thread", payload: { title: "big" } })).thread_id as string;
    fillThread(t, threadId, "pager", 60, 32_000);

    const seen: string[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const ack = await c.send({
        type: "get_thread_history",
        payload: { thread_id: threadId, limit: 1000, ...(before ? { before } : {}) },
      });
      expect(ack.ok).toBe(true);
      const reply = await c.waitFor((e) => e.type === "thread_history" && e.trace_id === ack.trace_id);
      const messages = reply.payload.messages as { content: string }[];
      const bytes = messages.reduce((n, m) => n + m.content.length, 0);
      expect(bytes, "a page stays within 256 KiB").toBeLessThanOrEqual(256 * 1024);
      expect(messages.length).toBeGreaterThan(0);
      seen.unshift(...messages.map((m) => m.content.slice(0, 4)));
      before = (reply.payload.next_before as string | null) ?? undefined;
      pages++;
    } while (before && pages < 100);
    expect(pages).toBeGreaterThan(5);
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => String(i).padStart(4, "0")));
  });

  it("honours limit with a cursor, and refuses a cursor it did not hand out", async () => {
    const c = await t.connect("pager-2");
    const threadId = (await c.send({ type: "create_thread", payload: {} })).thread_id as string;
    fillThread(t, threadId, "pager-2", 7, 10);
    const first = await c.send({ type: "get_thread_history", payload: { thread_id: threadId, limit: 3 } });
    const page1 = await c.waitFor((e) => e.type === "thread_history" && e.trace_id === first.trace_id);
    expect((page1.payload.messages as { content: string }[]).map((m) => m.content.slice(0, 4))).toEqual(["0004", "0005", "0006"]);
    const next = await c.send({
      type: "get_thread_history",
      payload: { thread_id: threadId, limit: 5, before: page1.payload.next_before },
    });
    const page2 = await c.waitFor((e) => e.type === "thread_history" && e.trace_id === next.trace_id);
    expect((page2.payload.messages as { content: string }[]).map((m) => m.content.slice(0, 4))).toEqual(["0000", "0001", "0002", "0003"]);
    expect(page2.payload.next_before).toBeNull();

    const bad = await c.send({ type: "get_thread_history", payload: { thread_id: threadId, before: "not-a-cursor" } });
    expect(bad.ok).toBe(false);
    expect((bad.error as { code: string }).code).toBe("INVALID_MESSAGE");
    expect(c.socket.connected).toBe(true);
  });
});

describe("byte budgets on outgoing queues", () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({
      OUTBOUND_BUFFER_BYTES: String(1 << 20),
      INSPECTOR_MAX_EVENTS_PER_S: "100000",
      RATE_LIMIT_PER_S: "100000",
      RATE_LIMIT_BURST: "100000",
    });
  });
  afterAll(() => t?.stop());

  it("cuts a chat connection that stops reading once its unsent bytes pass the bound, long before 2000 packets", async () => {
    const [slow, bystander] = await Promise.all([t.connect("hoarder"), t.connect("hoarder-bystander")]);
    const threadId = (await slow.send({ type: "create_thread", payload: {} })).thread_id as string;
    fillThread(t, threadId, "hoarder", 200, 32_000);
    rawSocketOf(slow.socket).pause();

    let requests = 0;
    const pings: number[] = [];
    while (t.node.parts.connections.get(slow.connectionId) && requests < 400) {
      // The acks will never be read: emit without waiting, as a client that stopped reading would.
      slow.socket.emit("message", { type: "get_thread_history", payload: { thread_id: threadId, limit: 1000 } }, () => undefined);
      requests++;
      const started = performance.now();
      await bystander.send({ type: "ping" });
      pings.push(performance.now() - started);
      await sleep(25);
    }
    expect(t.node.parts.connections.get(slow.connectionId), "the server cut the connection").toBeUndefined();
    // 1 MiB of 256 KiB pages (plus what the kernel's socket buffers took): a few dozen requests, not 2000 packets.
    expect(requests).toBeLessThan(100);
    const closed = await eventually(async () => {
      const rows = await apiJson<TraceRow[]>(t, "/api/traces?kind=connection_closed&user_id=hoarder");
      return rows.find((r) => r.connection_id === slow.connectionId);
    });
    expect(closed.error?.code).toBe("SLOW_CONSUMER");
    expect((await metricValue(t, 'switchyard_slow_consumer_disconnects_total{surface="chat"}')) ?? 0).toBeGreaterThanOrEqual(1);
    expect(bystander.socket.connected).toBe(true);
    expect(Math.max(...pings), `bystander round trips ${pings.map((p) => p.toFixed(1)).join(",")}`).toBeLessThan(500);
  });

  it("cuts an inspector subscriber that stops reading, traced and counted, while another keeps receiving", async () => {
    const token = await t.token("ops-hoarder", "operator");
    const connectInspector = () =>
      new Promise<Socket>((resolve, reject) => {
        const s = io(`${t.url}/inspector`, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
        s.once("snapshot", () => resolve(s));
        s.once("connect_error", reject);
      });
    const [stuck, reader] = await Promise.all([connectInspector(), connectInspector()]);
    let batches = 0;
    reader.on("trace", () => batches++);
    rawSocketOf(stuck).pause();
    const traffic: TestClient[] = await Promise.all([t.connect("insp-traffic-1"), t.connect("insp-traffic-2")]);

    const stuckGone = () => apiJson<TraceRow[]>(t, "/api/traces?kind=connection_closed&user_id=ops-hoarder");
    let cut: TraceRow | undefined;
    for (let i = 0; i < 300 && !cut; i++) {
      // Trace events carry no content: many small messages make the inspector's bytes.
      await Promise.all(traffic.flatMap((c) => Array.from({ length: 25 }, () => c.send({ type: "typing_start", payload: {} }))));
      if (i % 10 === 9) cut = (await stuckGone()).find((r) => r.message_type === "inspector" && r.error?.code === "SLOW_CONSUMER");
    }
    expect(cut, "the stuck subscriber was cut as SLOW_CONSUMER").toBeDefined();
    expect(cut?.connection_id).toMatch(/^insp_/);
    expect((await metricValue(t, 'switchyard_slow_consumer_disconnects_total{surface="inspector"}')) ?? 0).toBeGreaterThanOrEqual(1);
    expect(reader.connected).toBe(true);
    expect(batches).toBeGreaterThan(0);
    stuck.close();
    reader.close();
  });
});
