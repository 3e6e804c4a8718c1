import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, sessionWhen, startTestNode, type TestNode, wrapClient } from "../support/test-node";

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({ FAULT_INJECTION: "1" });
});
afterAll(() => t.stop());

/** The recovery session a socket.io client presents on reconnection (its private pid and last offset). */
const recoveryState = (socket: Socket) => socket as unknown as { _pid?: string; _lastOffset?: string };

/** A client of `userId` that reconnects by itself (socket.io-client's reconnection), as a browser would. */
async function reconnectingClient(userId: string) {
  const socket = io(t.url, {
    auth: { token: await t.token(userId) },
    transports: ["websocket"],
    forceNew: true,
    reconnectionDelay: 300,
    reconnectionDelayMax: 300,
    randomizationFactor: 0,
  });
  return wrapClient(socket, userId);
}

/** The network drops under `socket` (a recoverable disconnect); resolves when it is connected again. */
function dropAndReconnect(socket: Socket): Promise<void> {
  const back = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.io.engine.close();
  return back;
}

/**
 * Another user's handshake carrying `victim`'s recovery session (pid and offset) with the attacker's own
 * valid token: refused, or a fresh connection of the attacker's own, never the victim's session.
 */
async function presentSession(victim: Socket, attacker: string): Promise<{ outcome: string; recovered: boolean }> {
  const { _pid: pid, _lastOffset: offset } = recoveryState(victim);
  expect(pid, "the victim has a recovery session").toBeTruthy();
  const socket = io(t.url, {
    auth: { token: await t.token(attacker), pid, offset },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve) => {
    socket.once("connect", () => {
      resolve({ outcome: "connected", recovered: socket.recovered });
      socket.close();
    });
    socket.once("connect_error", (err) => {
      resolve({ outcome: err.message, recovered: false });
      socket.close();
    });
  });
}

describe("connection-state recovery sessions belong to their user", () => {
  it("refuses another user's attempt to resume a session, and the owner still recovers afterwards", async () => {
    const ann = await reconnectingClient("hj-ann");
    const ack = await ann.send({ type: "user_message", payload: { content: "what is 8 * 8", simulate: { delay_ms: 1500 } } });
    const runId = ack.run_id as string;
    await ann.waitFor((e) => e.run_id === runId && e.type === "tool_executing");
    ann.socket.io.engine.close(); // the network drops: a recoverable disconnect, the session is kept
    // Once the server has parked her connection (her own reconnection waits about a second).
    await eventually(() => t.node.parts.connections.parkedConnections("hj-ann").length > 0 || null, 2000, "ann parked");
    // While ann is away, bob presents her pid and offset with his own (valid) token.
    expect(await presentSession(ann.socket, "hj-bob")).toEqual({ outcome: "UNAUTHORIZED", recovered: false });
    // Ann's own reconnection still resumes her session and gets what she missed, once, in order.
    await ann.waitFor((e) => e.run_id === runId && e.type === "agent_completed", 10_000);
    expect(ann.socket.recovered).toBe(true);
    const seqs = ann.events.filter((e) => e.run_id === runId).map((e) => e.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    const session = await sessionWhen(t, runId);
    expect(session.verdict).toMatchObject({ passed: true, reasons: [] });
    ann.close();
  });

  it("a refused attempt while the owner is connected does not spoil the owner's later recovery", async () => {
    const cid = await reconnectingClient("hj-cid");
    await cid.send({ type: "ping", payload: {} });
    // Dan tries cid's session while cid is still connected: he gets a connection of his own, never cid's.
    expect(await presentSession(cid.socket, "hj-dan")).toEqual({ outcome: "connected", recovered: false });
    const firstConnection = cid.connectionId;
    await dropAndReconnect(cid.socket);
    expect(cid.socket.recovered).toBe(true);
    const greetings = cid.events.filter((e) => e.type === "connection_established");
    expect(greetings.at(-1)?.payload.connection_id).toBe(firstConnection);
    cid.close();
  });

  it("a session already resumed by its owner cannot be presented again by another user", async () => {
    const eve = await reconnectingClient("hj-eve");
    const firstConnection = eve.connectionId;
    await dropAndReconnect(eve.socket);
    expect(eve.socket.recovered).toBe(true);
    // Fay presents the session eve has already resumed: it is gone, she gets a connection of her own.
    expect(await presentSession(eve.socket, "hj-fay")).toEqual({ outcome: "connected", recovered: false });
    // Eve's live connection still receives her events, and her next drop still recovers.
    const ack = await eve.send({ type: "user_message", payload: { content: "what is 5 * 5", simulate: { delay_ms: 1500 } } });
    const runId = ack.run_id as string;
    await eve.waitFor((e) => e.run_id === runId && e.type === "tool_executing");
    await dropAndReconnect(eve.socket);
    await eve.waitFor((e) => e.run_id === runId && e.type === "agent_completed", 10_000);
    expect(eve.socket.recovered).toBe(true);
    expect(eve.events.filter((e) => e.run_id === runId).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(eve.events.filter((e) => e.type === "connection_established").at(-1)?.payload.connection_id).toBe(firstConnection);
    const session = await sessionWhen(t, runId);
    expect(session.verdict).toMatchObject({ passed: true, reasons: [] });
    eve.close();
  });
});
