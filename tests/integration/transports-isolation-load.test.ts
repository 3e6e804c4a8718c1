import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Ack, AnyServerEvent } from "../../contract";
import { apiJson, eventually, isTerminal, sessionWhen, startTestNode, type TestClient, type TestNode } from "../support/test-node";

/**
 * Isolation across transports under load (issue 15): 300 users spread over Socket.IO, plain WebSocket
 * and AG-UI over HTTP start a run each at once. Every event a Socket.IO or WebSocket connection
 * receives is its own user's, every AG-UI stream carries its own run only, every run passes, and the
 * node counts no isolation violation.
 */

const PER_TRANSPORT = 100;
let t: TestNode;

beforeAll(async () => {
  t = await startTestNode();
});
afterAll(() => t?.stop());

interface WsUser {
  userId: string;
  ws: WebSocket;
  events: AnyServerEvent[];
  acks: Ack[];
}

async function wsUser(userId: string): Promise<WsUser> {
  const ws = new WebSocket(`${t.url.replace(/^http/, "ws")}/ws`, { headers: { Authorization: `Bearer ${await t.token(userId)}` } });
  const u: WsUser = { userId, ws, events: [], acks: [] };
  ws.on("message", (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { type: string; payload: unknown };
    if (frame.type === "message_ack") u.acks.push(frame.payload as Ack);
    else u.events.push(frame as AnyServerEvent);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return u;
}

/** One AG-UI run: the run id from the header, and the AG-UI events of the stream (to its end). */
async function agUiRun(userId: string, i: number): Promise<{ userId: string; runId: string; events: { type: string; runId?: string }[] }> {
  const res = await fetch(`${t.url}/ag-ui/assistant`, {
    method: "POST",
    headers: { Authorization: `Bearer ${await t.token(userId)}`, "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify({
      threadId: `load-thread-${i}`,
      runId: `client-run-${i}`,
      messages: [{ id: `m-${i}`, role: "user", content: `what is ${i} * 3?` }],
      tools: [],
      context: [],
      state: {},
      forwardedProps: {},
    }),
  });
  expect(res.status).toBe(200);
  const runId = res.headers.get("x-switchyard-run-id")!;
  const text = await res.text();
  const events = text
    .split("\n")
    .filter((l) => l.startsWith("data:"))
    .map((l) => JSON.parse(l.slice(5)) as { type: string; runId?: string });
  return { userId, runId, events };
}

describe("isolation across transports", () => {
  it(`${3 * PER_TRANSPORT} users over Socket.IO, /ws and AG-UI at once: 0 leaks, every run passes`, async () => {
    const sio: TestClient[] = await Promise.all(Array.from({ length: PER_TRANSPORT }, (_, i) => t.connect(`x-sio-${i}`)));
    const ws = await Promise.all(Array.from({ length: PER_TRANSPORT }, (_, i) => wsUser(`x-ws-${i}`)));
    ws.forEach((u, i) => u.ws.send(JSON.stringify({ type: "user_message", payload: { content: `what is ${i} + 2?` } })));
    const [sioAcks, sse] = await Promise.all([
      Promise.all(sio.map((c, i) => c.send({ type: "user_message", payload: { content: `what is ${i} + 1?` } }))),
      Promise.all(Array.from({ length: PER_TRANSPORT }, (_, i) => agUiRun(`x-sse-${i}`, i))),
    ]);
    const sioRuns = sioAcks.map((a) => a.run_id as string);
    await eventually(() => ws.every((u) => u.acks.length === 1), 30_000, "an ack per /ws frame");
    const wsRuns = ws.map((u) => {
      const ack = u.acks[0]!;
      if (!ack.ok || !ack.run_id) throw new Error(`${u.userId}: ${JSON.stringify(ack)}`);
      return ack.run_id;
    });
    await eventually(
      () =>
        sio.every((c, i) => c.events.some(isTerminal(sioRuns[i]!))) &&
        ws.every((u, i) => u.events.some((e) => e.run_id === wsRuns[i] && e.type === "agent_completed")),
      60_000,
      "every run's end on Socket.IO and /ws",
    );

    const leaks: string[] = [];
    sio.forEach((c, i) => {
      for (const e of c.events)
        if (e.user_id !== c.userId || (e.run_id && e.run_id !== sioRuns[i]))
          leaks.push(`${c.userId}: ${e.type} of ${e.user_id} ${e.run_id}`);
    });
    ws.forEach((u, i) => {
      for (const e of u.events)
        if (e.user_id !== u.userId || (e.run_id && e.run_id !== wsRuns[i]))
          leaks.push(`${u.userId}: ${e.type} of ${e.user_id} ${e.run_id}`);
    });
    sse.forEach((r, i) => {
      const runIds = new Set(r.events.map((e) => e.runId).filter(Boolean));
      if (runIds.size !== 1 || !runIds.has(`client-run-${i}`)) leaks.push(`${r.userId}: stream runs ${[...runIds].join(",")}`);
      if (r.events.at(-1)?.type !== "RUN_FINISHED") leaks.push(`${r.userId}: stream ended with ${r.events.at(-1)?.type}`);
    });
    expect(leaks.slice(0, 10)).toEqual([]);

    const all = [...sioRuns, ...wsRuns, ...sse.map((r) => r.runId)];
    const sessions = await Promise.all(all.map((id) => sessionWhen(t, id, undefined, 30_000)));
    expect(sessions.filter((s) => s.status !== "passed").map((s) => `${s.id} ${s.user_id} ${s.verdict.reasons.join(",")}`)).toEqual([]);
    expect((await apiJson<{ isolation_violations: number }>(t, "/api/stats")).isolation_violations).toBe(0);
    for (const c of sio) c.close();
    for (const u of ws) u.ws.close();
  }, 120_000);
});
