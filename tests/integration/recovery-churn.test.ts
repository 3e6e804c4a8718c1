import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { BoundedRecoveryAdapter } from "../../server/transport/bounded-recovery-adapter";
import { TcpProxy } from "../support/tcp-proxy";
import {
  apiJson,
  isTerminal,
  type SessionBody,
  sessionWhen,
  sleep,
  startTestNode,
  type TestClient,
  type TestNode,
  wrapClient,
} from "../support/test-node";

/** Users running at once, and how many of them lose their TCP connection mid-run. */
const USERS = 100;
const DROPPED = 20;
/** The contract's target: golden-path runs delivered and passed. */
const TARGET = 0.995;
/** How long a dropped user's network stays down (the run's last events are emitted meanwhile). */
const AWAY_MS = 1000;

let t: TestNode;
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.stop()));
  await t?.stop();
});

/** A user's client that reconnects by itself (socket.io-client's reconnection), through its own TCP proxy when given. */
async function userClient(node: TestNode, userId: string, proxy?: TcpProxy): Promise<TestClient> {
  const url = proxy ? `http://127.0.0.1:${proxy.port}` : node.url;
  const socket = io(url, {
    auth: { token: await node.token(userId) },
    transports: ["websocket"],
    forceNew: true,
    reconnectionDelay: 250,
    reconnectionDelayMax: 250,
    randomizationFactor: 0,
  });
  return wrapClient(socket, userId);
}

/** A proxy of its own in front of the node, so that cutting it drops this one user's TCP connection. */
async function proxyFor(node: TestNode): Promise<TcpProxy> {
  const proxy = new TcpProxy("127.0.0.1", Number(new URL(node.url).port));
  await proxy.start();
  proxies.push(proxy);
  return proxy;
}

/** The network drops under a client (a real TCP cut, no close frame) and comes back `AWAY_MS` later. */
async function dropFor(proxy: TcpProxy): Promise<void> {
  await proxy.cut();
  await sleep(AWAY_MS);
  await proxy.restore();
}

const runSeqs = (c: TestClient, runId: string) => c.events.filter((e) => e.run_id === runId && e.seq !== undefined).map((e) => e.seq);
const greetings = (c: TestClient) => c.events.filter((e) => e.type === "connection_established").map((e) => e.payload.connection_id);

describe("connection-state recovery under churn, on one node with the defaults", () => {
  it(`delivers and passes >= ${TARGET * 100}% of ${USERS} runs while ${DROPPED} users lose TCP mid-run`, async () => {
    t = await startTestNode({ FAULT_INJECTION: "1" });
    expect(t.node.parts.recoveryWindowMs).toBe(120_000);
    const dropped = await Promise.all(Array.from({ length: DROPPED }, () => proxyFor(t)));
    const clients = await Promise.all(Array.from({ length: USERS }, (_, i) => userClient(t, `churn-${i}`, dropped[i])));

    const runs = await Promise.all(
      clients.map(async (client, i) => {
        const ack = await client.send({ type: "user_message", payload: { content: `what is ${i} + 1`, simulate: { delay_ms: 400 } } });
        const runId = ack.run_id as string;
        const proxy = dropped[i];
        if (proxy) {
          // Cut just before tool_completed: it and agent_completed are emitted while the user is away.
          await client.waitFor((e) => e.run_id === runId && e.type === "tool_executing");
          await dropFor(proxy);
        }
        // A run whose end never reaches its user is counted below from its session, not thrown here.
        await client.waitFor(isTerminal(runId), 15_000).catch(() => undefined);
        return { client, runId, dropped: proxy !== undefined };
      }),
    );

    const sessions = await Promise.all(runs.map(({ runId }) => sessionWhen(t, runId, undefined, 20_000)));
    const passed = sessions.filter((s) => s.status === "passed" && s.verdict?.passed === true).length;
    const failures = sessions.filter((s) => s.status !== "passed").map((s) => `${s.id}: ${s.status} ${JSON.stringify(s.verdict)}`);
    expect(passed / USERS, `${passed} of ${USERS} passed:\n${failures.join("\n")}`).toBeGreaterThanOrEqual(TARGET);

    // Every dropped user came back on the same connection and saw every seq of the run, once, in order.
    for (const { client, runId } of runs.filter((r) => r.dropped)) {
      expect(client.socket.recovered, client.userId).toBe(true);
      expect(runSeqs(client, runId), client.userId).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(greetings(client)).size, client.userId).toBe(1);
    }
    const recoveredRuns = sessions.filter((s: SessionBody) => s.events.some((e) => e.deliveries.some((d) => d.recovered)));
    expect(recoveredRuns.length).toBe(DROPPED);
    for (const { client } of runs) client.close();
  });

  it("keeps recovery's memory under its caps; a session whose missed packets were dropped is not restored", async () => {
    const caps = { RECOVERY_MAX_PACKETS: "40", RECOVERY_MAX_BYTES: "16384", RECOVERY_MAX_SESSIONS: "2" };
    t = await startTestNode({ FAULT_INJECTION: "1", ...caps });
    const adapter = t.node.parts.io.of("/").adapter as unknown as BoundedRecoveryAdapter;
    const proxy = await proxyFor(t);
    const away = await userClient(t, "over-cap", proxy);
    const busy = await userClient(t, "busy");
    const ack = await away.send({ type: "user_message", payload: { content: "what is 6 * 7", simulate: { delay_ms: 400 } } });
    const runId = ack.run_id as string;
    const threadId = ack.thread_id as string;
    await away.waitFor((e) => e.run_id === runId && e.type === "tool_executing");
    const firstConnection = away.connectionId;
    await proxy.cut();
    // While the user is away, another user's traffic pushes its missed packets out of the capped log.
    await Promise.all(Array.from({ length: 60 }, () => busy.send({ type: "ping", payload: {} })));
    await sleep(600); // the run ends meanwhile
    const held = adapter.retention;
    expect(held.packets).toBeLessThanOrEqual(40);
    expect(held.bytes).toBeLessThanOrEqual(16384);
    expect(held.droppedPackets).toBeGreaterThan(0);

    const back = new Promise<void>((resolve) => away.socket.once("connect", () => resolve()));
    await proxy.restore();
    await back;
    await away.waitFor((e) => e.type === "connection_established" && e.payload.connection_id !== firstConnection);
    await sleep(200);
    // Not restored: a fresh connection, and nothing replayed (no partial run with a hole in it).
    expect(away.socket.recovered).toBe(false);
    expect(runSeqs(away, runId)).toEqual([1, 2, 3]);
    // The client falls back on the thread's history, which has the answer.
    const history = await away.send({ type: "get_thread_history", payload: { thread_id: threadId } });
    expect(history).toMatchObject({ ok: true });
    const page = await away.waitFor((e) => e.type === "thread_history" && e.payload.thread_id === threadId);
    const messages = page.payload.messages as { role: string; run_id: string | null }[];
    expect(messages.some((m) => m.role === "assistant" && m.run_id === runId)).toBe(true);

    // Sessions are capped too: more disconnections than the cap keep only the newest.
    const leaving = await Promise.all(["s1", "s2", "s3"].map((u) => userClient(t, u)));
    for (const c of leaving) {
      c.socket.io.reconnection(false);
      c.socket.io.engine.close();
    }
    await sleep(200);
    expect(adapter.retention.sessions).toBeLessThanOrEqual(2);
    expect(adapter.retention.droppedSessions).toBeGreaterThan(0);
    const session = await apiJson<SessionBody>(t, `/api/sessions/${runId}`);
    expect(session.events.some((e) => e.deliveries.some((d) => d.recovered))).toBe(false);
    for (const c of [away, busy]) c.close();
  });
});
