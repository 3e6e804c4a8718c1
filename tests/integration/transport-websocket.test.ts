import { connect as netConnect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiJson,
  eventually,
  GOLDEN_PATH,
  isTerminal,
  sessionWhen,
  sleep,
  startTestNode,
  tryConnect,
  type TestClient,
  type TestNode,
} from "../support/test-node";
import { type AckRecord, openWs, refusalOf, type WsClient } from "../support/ws-client";

/** Plain WebSocket at /ws (PROTOCOL.md "Other client transports"), against a real node and real `ws` clients. */

interface TraceRow {
  kind: string;
  connection_id?: string;
  message_type?: string;
  error?: { code: string; message: string };
}

const codeOf = (ack: AckRecord) => (ack.ok ? "ok" : ack.error?.code);

/** Opens /ws connections on `t` with a bearer header; all are closed by `closeAll`. */
function opener(getNode: () => TestNode) {
  const opened: WsClient[] = [];
  return {
    async open(sub: string, role: "user" | "operator" = "user") {
      const t = getNode();
      const c = await openWs(t.url, sub, { token: await t.token(sub, role) });
      opened.push(c);
      return c;
    },
    track(c: WsClient) {
      opened.push(c);
      return c;
    },
    closeAll() {
      for (const c of opened) c.ws.terminate();
    },
  };
}

describe("/ws on a node", () => {
  let t: TestNode;
  const ws = opener(() => t);
  const io: TestClient[] = [];
  beforeAll(async () => {
    t = await startTestNode({ FAULT_INJECTION: "1" });
  });
  afterAll(async () => {
    ws.closeAll();
    for (const c of io) c.close();
    await t?.stop();
  });

  it("walks the golden path: connection_established first, an ok message_ack with run and thread, then the run's events", async () => {
    const c = await ws.open("ws-golden");
    expect(c.events[0]).toMatchObject({
      type: "connection_established",
      user_id: "ws-golden",
      payload: { connection_id: c.connectionId, user_id: "ws-golden", node_id: "test-node" },
    });
    const ack = await c.send({ type: "user_message", payload: { content: "what is 12 * (3 + 4)?" } });
    expect(ack).toMatchObject({ ok: true, type: "user_message" });
    expect(typeof ack.trace_id).toBe("string");
    const runId = ack.run_id as string;
    expect(runId).toEqual(expect.any(String));
    expect(ack.thread_id).toEqual(expect.any(String));
    await c.waitFor(isTerminal(runId));
    const runEvents = c.events.filter((e) => e.run_id === runId);
    expect(runEvents.map((e) => e.type)).toEqual(GOLDEN_PATH);
    expect(runEvents.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    for (const e of runEvents) expect(e).toMatchObject({ user_id: "ws-golden", thread_id: ack.thread_id, run_id: runId });
    expect(runEvents.find((e) => e.type === "tool_completed")?.payload.results).toEqual({ value: 84 });
    // thread_created (a new thread) comes before the run's first event; one ack frame for one frame.
    const created = c.events.findIndex((e) => e.type === "thread_created" && e.payload.thread_id === ack.thread_id);
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThan(c.events.indexOf(runEvents[0]!));
    expect(c.acks).toHaveLength(1);
    const session = await sessionWhen(t, runId);
    expect(session).toMatchObject({ id: runId, user_id: "ws-golden", status: "passed", verdict: { passed: true, reasons: [] } });
    c.close();
  });

  it("resolves aliases: the ack carries the canonical type", async () => {
    const c = await ws.open("ws-alias");
    const chat = await c.send({ type: "chat", payload: { content: "what is 2 + 2?" } });
    expect(chat).toMatchObject({ ok: true, type: "user_message" });
    await c.waitFor(isTerminal(chat.run_id as string));
    expect(await c.send({ type: "typing" })).toMatchObject({ ok: true, type: "user_typing" });
    expect(await c.send({ type: "heartbeat" })).toMatchObject({ ok: true, type: "heartbeat" });
    await c.waitFor((e) => e.type === "heartbeat_ack");
    c.close();
  });

  it("answers every bad frame with exactly one error ack, traces it, and keeps the connection open", async () => {
    const c = await ws.open("ws-errors");
    const other = await t.connect("ws-errors-other");
    io.push(other);
    const othersThread = (await other.send({ type: "create_thread", payload: { title: "not yours" } })).thread_id as string;
    const max = 65_536;

    const cases: [string, () => Promise<AckRecord>][] = [
      ["INVALID_MESSAGE", () => c.sendRaw("this is not json {")],
      ["INVALID_MESSAGE", () => c.sendRaw(Buffer.from(JSON.stringify({ type: "ping" })))],
      ["INVALID_MESSAGE", () => c.sendRaw("[1, 2, 3]")],
      ["INVALID_MESSAGE", () => c.sendRaw('"ping"')],
      ["INVALID_MESSAGE", () => c.sendRaw(JSON.stringify({ payload: {} }))],
      ["INVALID_MESSAGE", () => c.sendRaw(JSON.stringify({ type: 42 }))],
      ["INVALID_MESSAGE", () => c.send({ type: "user_message", payload: { content: "" } })],
      ["UNKNOWN_MESSAGE_TYPE", () => c.send({ type: "no_such_type" })],
      ["SERVER_ONLY_TYPE", () => c.send({ type: "agent_completed", payload: {} })],
      ["SERVER_ONLY_TYPE", () => c.send({ type: "message_ack", payload: { ok: true } })],
      ["PAYLOAD_TOO_LARGE", () => c.send({ type: "ping", payload: { pad: "x".repeat(max) } })],
      ["PAYLOAD_TOO_LARGE", () => c.sendRaw("x".repeat(max + 1))],
      ["PAYLOAD_TOO_LARGE", () => c.sendRaw(`{"type": "ping"${" ".repeat(max)}}`)],
      ["PAYLOAD_TOO_LARGE", () => c.sendRaw(`{"type": "ping", "payload": {"pad": "${"é".repeat(max / 2)}"`)],
      ["PAYLOAD_TOO_LARGE", () => c.sendRaw(Buffer.alloc(max + 1))],
      ["FORBIDDEN", () => c.send({ type: "get_thread_history", payload: { thread_id: othersThread } })],
      ["FORBIDDEN", () => c.send({ type: "user_message", thread_id: othersThread, payload: { content: "hi" } })],
      ["FORBIDDEN", () => c.send({ type: "broadcast", payload: { content: "hello everyone" } })],
      ["NOT_FOUND", () => c.send({ type: "get_thread_history", payload: { thread_id: "thr_does-not-exist" } })],
      ["NOT_FOUND", () => c.send({ type: "stop_agent", payload: { run_id: "run_does-not-exist" } })],
      ["HANDLER_ERROR", () => c.send({ type: "user_message", payload: { content: "hi", simulate: { throw: true } } })],
    ];
    for (const [expected, send] of cases) {
      const ack = await send();
      expect(codeOf(ack), `${expected}: ${JSON.stringify(ack).slice(0, 200)}`).toBe(expected);
      expect(typeof ack.trace_id).toBe("string");
      expect(c.ws.readyState).toBe(c.ws.OPEN);
    }
    expect(c.acks).toHaveLength(cases.length);
    // An envelope over the limit is still read for its message_id, as on Socket.IO.
    const big = await c.send({ type: "ping", message_id: "ws-big-1", payload: { pad: "y".repeat(max) } });
    expect(big).toMatchObject({ ok: false, message_id: "ws-big-1", error: { code: "PAYLOAD_TOO_LARGE" } });
    expect(await c.send({ type: "ping" })).toMatchObject({ ok: true, type: "ping" });
    await c.waitFor((e) => e.type === "pong");
    // The other user saw nothing of it; the refusals are traced on this connection.
    expect(other.events.filter((e) => e.user_id !== "ws-errors-other" && e.user_id !== null)).toEqual([]);
    const rejected = await eventually(async () => {
      const rows = await apiJson<TraceRow[]>(t, "/api/traces?kind=rejected&user_id=ws-errors&limit=500");
      return rows.length >= cases.length ? rows : null;
    }, 5000);
    expect(rejected.every((r) => r.connection_id === c.connectionId)).toBe(true);
    expect(rejected.filter((r) => r.error?.code === "INVALID_MESSAGE").length).toBeGreaterThanOrEqual(7);
    c.close();
  });

  it("admits with the subprotocols [switchyard.v1, bearer.<token>] and selects switchyard.v1", async () => {
    const token = await t.token("ws-subprotocol");
    const c = ws.track(await openWs(t.url, "ws-subprotocol", { protocols: ["switchyard.v1", `bearer.${token}`] }));
    expect(c.ws.protocol).toBe("switchyard.v1");
    expect(c.events[0]?.payload.user_id).toBe("ws-subprotocol");
    expect(await c.send({ type: "ping" })).toMatchObject({ ok: true, type: "ping" });
    // The same origin as the Host is a browser on this very server: allowed.
    const sameOrigin = ws.track(await openWs(t.url, "ws-subprotocol", { token, options: { headers: { Origin: t.url } } }));
    expect(sameOrigin.connectionId).not.toBe(c.connectionId);
    c.close();
    sameOrigin.close();
  });

  it("refuses before the upgrade with an HTTP status and the JSON error body", async () => {
    const token = await t.token("ws-refused");
    const expectRefusal = async (opts: Parameters<typeof refusalOf>[1], status: number, code: string) => {
      const { status: got, body } = await refusalOf(t.url, opts);
      expect(got, JSON.stringify(opts).slice(0, 120)).toBe(status);
      expect(body.error?.code).toBe(code);
      expect(typeof body.error?.message).toBe("string");
    };
    await expectRefusal({}, 401, "UNAUTHORIZED");
    await expectRefusal({ headers: { Authorization: "Bearer not-a-jwt" } }, 401, "UNAUTHORIZED");
    await expectRefusal({ headers: { Authorization: `Basic ${token}` } }, 401, "UNAUTHORIZED");
    await expectRefusal({ query: `?token=${token}` }, 401, "UNAUTHORIZED");
    await expectRefusal({ protocols: ["switchyard.v1", "bearer.not-a-jwt"] }, 401, "UNAUTHORIZED");
    await expectRefusal({ protocols: [`bearer.${token}`] }, 401, "UNAUTHORIZED");
    await expectRefusal({ headers: { Origin: "http://evil.example" } }, 403, "FORBIDDEN");
    await expectRefusal({ headers: { Origin: "http://evil.example", Authorization: `Bearer ${token}` } }, 403, "FORBIDDEN");
    await expectRefusal({ headers: { Origin: "http://evil.example" }, protocols: ["switchyard.v1", `bearer.${token}`] }, 403, "FORBIDDEN");
    await expectRefusal({ headers: { Origin: "not a url", Authorization: `Bearer ${token}` } }, 403, "FORBIDDEN");
    expect(t.node.parts.connections.countForUser("ws-refused")).toBe(0);
  });

  it("counts every transport toward MAX_CONNECTIONS_PER_USER: 9 Socket.IO + 1 /ws fill it, the 11th is 429", async () => {
    const user = "ws-cap";
    const token = await t.token(user);
    const sockets = await Promise.all(Array.from({ length: 9 }, () => t.connect(user)));
    io.push(...sockets);
    const tenth = await ws.open(user);
    const refused = await refusalOf(t.url, { headers: { Authorization: `Bearer ${token}` } });
    expect(refused).toMatchObject({ status: 429, body: { error: { code: "TOO_MANY_CONNECTIONS" } } });
    expect(await tryConnect(t.url, { token })).toBe("TOO_MANY_CONNECTIONS");
    // Closing the /ws connection frees its slot.
    tenth.close();
    await eventually(() => t.node.parts.connections.countForUser(user) === 9, 5000, "the slot to be freed");
    const again = await ws.open(user);
    expect(again.connectionId).not.toBe(tenth.connectionId);
    again.close();
    for (const s of sockets) s.close();
  });

  it("releases the reserved slot when the upgrade itself fails after admission", async () => {
    const user = "ws-bad-upgrade";
    const token = await t.token(user);
    const port = new URL(t.url).port;
    // Eleven upgrades that pass admission but that `ws` refuses (bad Sec-WebSocket-Version): 400 each.
    for (let i = 0; i < 11; i++) {
      const answer = await new Promise<string>((resolve, reject) => {
        const s = netConnect(Number(port), "127.0.0.1");
        let text = "";
        s.on("data", (d) => (text += d.toString()));
        s.on("close", () => resolve(text));
        s.on("error", reject);
        s.write(
          `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\nAuthorization: Bearer ${token}\r\n\r\n`,
        );
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
    }
    const c = await ws.open(user);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.close();
  });

  it("delivers a run to every connection of its user on both transports, and nothing to another user", async () => {
    const viaWs = await ws.open("ws-both");
    const viaIo = await t.connect("ws-both");
    io.push(viaIo);
    const stranger = await ws.open("ws-stranger");

    const connections = await apiJson<{ connection_id: string; transport: string }[]>(t, "/api/connections?user_id=ws-both");
    const transports = Object.fromEntries(connections.map((c) => [c.connection_id, c.transport]));
    expect(transports).toEqual({ [viaWs.connectionId]: "websocket", [viaIo.connectionId]: "socket.io" });

    const runIds: string[] = [];
    const fromWs = await viaWs.send({ type: "user_message", payload: { content: "what is 3 * 5?" } });
    runIds.push(fromWs.run_id as string);
    const fromIo = await viaIo.send({ type: "user_message", payload: { content: "what is 4 * 5?" } });
    runIds.push(fromIo.run_id as string);
    for (const runId of runIds) {
      await Promise.all([viaWs.waitFor(isTerminal(runId)), viaIo.waitFor(isTerminal(runId))]);
      const seen = (events: { run_id?: string; type: string; seq?: number }[]) =>
        events.filter((e) => e.run_id === runId).map((e) => `${e.type}:${e.seq}`);
      expect(seen(viaWs.events)).toEqual(seen(viaIo.events));
      expect(seen(viaWs.events)).toHaveLength(5);
      expect((await sessionWhen(t, runId)).status).toBe("passed");
    }
    await sleep(100);
    expect(stranger.events.map((e) => e.type)).toEqual(["connection_established"]);
    expect(stranger.events.some((e) => runIds.includes(String(e.run_id)))).toBe(false);
    viaWs.close();
    viaIo.close();
    stranger.close();
  });

  it("closes a frame over 1 MiB with 1009; under it is PAYLOAD_TOO_LARGE; other connections are untouched", async () => {
    const [big, sibling, other] = await Promise.all([ws.open("ws-frame"), ws.open("ws-frame"), ws.open("ws-frame-other")]);
    const ioOther = await t.connect("ws-frame-other");
    io.push(ioOther);
    const run = await other.send({ type: "user_message", payload: { content: "what is 9 * 9?" } });

    expect(codeOf(await big.sendRaw(JSON.stringify({ type: "ping", payload: { pad: "x".repeat(1_000_000) } })))).toBe("PAYLOAD_TOO_LARGE");
    expect(big.ws.readyState).toBe(big.ws.OPEN);
    big.ws.send(JSON.stringify({ type: "ping", payload: { pad: "x".repeat(1_100_000) } }));
    expect((await big.closed).code).toBe(1009);

    const closed = await eventually(async () => {
      const rows = await apiJson<TraceRow[]>(t, "/api/traces?kind=connection_closed&user_id=ws-frame");
      return rows.find((r) => r.connection_id === big.connectionId);
    }, 5000);
    expect(closed.error?.code).not.toBe("SLOW_CONSUMER");
    expect(t.node.parts.connections.get(big.connectionId)).toBeUndefined();

    await other.waitFor(isTerminal(run.run_id as string));
    expect((await sessionWhen(t, run.run_id as string)).status).toBe("passed");
    expect(await sibling.send({ type: "ping" })).toMatchObject({ ok: true });
    expect(await other.send({ type: "ping" })).toMatchObject({ ok: true });
    expect(await ioOther.send({ type: "ping" })).toMatchObject({ ok: true });
    sibling.close();
    other.close();
  });
});

describe("/ws rate limit", () => {
  let t: TestNode;
  const ws = opener(() => t);
  beforeAll(async () => {
    t = await startTestNode({ RATE_LIMIT_PER_S: "5", RATE_LIMIT_BURST: "5" });
  });
  afterAll(async () => {
    ws.closeAll();
    await t?.stop();
  });

  it("answers RATE_LIMITED past the burst, one ack per frame, and keeps the connection open", async () => {
    const c = await ws.open("ws-rate");
    const acks = await Promise.all(Array.from({ length: 12 }, () => c.send({ type: "ping" })));
    const codes = acks.map(codeOf);
    expect(codes.filter((x) => x === "ok").length).toBeGreaterThanOrEqual(5);
    expect(codes.filter((x) => x === "RATE_LIMITED").length).toBeGreaterThanOrEqual(5);
    expect(c.acks).toHaveLength(12);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    await sleep(1100);
    expect(await c.send({ type: "ping" })).toMatchObject({ ok: true });
    c.close();
  });
});

describe("/ws slow consumer", () => {
  let t: TestNode;
  const ws = opener(() => t);
  beforeAll(async () => {
    t = await startTestNode({ RATE_LIMIT_PER_S: "100000", RATE_LIMIT_BURST: "100000", OUTBOUND_BUFFER_BYTES: String(1 << 20) });
  });
  afterAll(async () => {
    ws.closeAll();
    await t?.stop();
  });

  it("closes a client that stops reading with 1008 SLOW_CONSUMER (traced), while its user's other connection and another user are served", async () => {
    const slow = await ws.open("ws-slow");
    const sibling = await t.connect("ws-slow");
    const bystander = await ws.open("ws-slow-bystander");
    // A big thread of this user: 200 messages of 32 KB, so one history reply is about 6.5 MB.
    const threadId = (await slow.send({ type: "create_thread", payload: { title: "big" } })).thread_id as string;
    for (let i = 0; i < 200; i++) {
      t.node.parts.threads.append({
        threadId,
        userId: "ws-slow",
        role: i % 2 ? "assistant" : "user",
        content: `${i} ${"x".repeat(32_000)}`,
      });
    }

    // The slow client stops reading, asks for the big history, and its user's runs then emit events to it.
    slow.rawSocket().pause();
    const runs: string[] = [];
    for (let i = 0; i < 20 && t.node.parts.connections.get(slow.connectionId); i++) {
      // Pages of 256 KiB fill the kernel's socket buffers, then the 1 MiB bound. The client asks only
      // while its backlog is under the bound (a frame arriving over it is cut on arrival, before routing):
      // the run events below are what find it over the bound, on the delivery path.
      const backlog = () => t.node.parts.connections.get(slow.connectionId)?.writer.queuedBytes() ?? Number.POSITIVE_INFINITY;
      if (backlog() < (1 << 20) / 2)
        for (let k = 0; k < 5; k++)
          slow.ws.send(JSON.stringify({ type: "get_thread_history", payload: { thread_id: threadId, limit: 200 } }));
      await sleep(50);
      const ack = await sibling.send({ type: "user_message", payload: { content: `what is ${i} * 3?` } });
      runs.push(ack.run_id as string);
      await sibling.waitFor(isTerminal(ack.run_id as string));
    }
    expect(t.node.parts.connections.get(slow.connectionId), "the server cut the slow consumer").toBeUndefined();
    expect(runs.length).toBeGreaterThan(0);
    // The delivery path refused the event that found the backlog over its bound.
    const undelivered = await eventually(async () => {
      const rows = await apiJson<TraceRow[]>(t, "/api/traces?kind=undelivered&user_id=ws-slow");
      return rows.find((r) => r.connection_id === slow.connectionId && r.error?.code === "SLOW_CONSUMER");
    }, 5000);
    expect(undelivered.message_type).toBeDefined();

    // The user's other connection got every run in full; another user is served and its run passes.
    for (const runId of runs) expect(sibling.events.filter((e) => e.run_id === runId)).toHaveLength(5);
    const run = await bystander.send({ type: "user_message", payload: { content: "what is 7 * 6?" } });
    await bystander.waitFor(isTerminal(run.run_id as string));
    expect((await sessionWhen(t, run.run_id as string)).status).toBe("passed");

    // Reading again, the client drains what was sent and then gets the close frame.
    slow.rawSocket().resume();
    expect(await slow.closed).toEqual({ code: 1008, reason: "SLOW_CONSUMER" });
    const closed = await eventually(async () => {
      const rows = await apiJson<TraceRow[]>(t, "/api/traces?kind=connection_closed&user_id=ws-slow");
      return rows.find((r) => r.connection_id === slow.connectionId);
    }, 5000);
    expect(closed.error?.code).toBe("SLOW_CONSUMER");
    const left = await apiJson<{ connection_id: string }[]>(t, "/api/connections?user_id=ws-slow");
    expect(left.map((c) => c.connection_id)).toEqual([sibling.connectionId]);
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
    expect(bystander.events.filter((e) => e.user_id !== "ws-slow-bystander" && e.user_id !== null)).toEqual([]);
    sibling.close();
    bystander.close();
  });
});

describe("/ws keepalive", () => {
  let t: TestNode;
  const ws = opener(() => t);
  const saved = { ping: process.env.WS_PING_INTERVAL_MS, pong: process.env.WS_PONG_TIMEOUT_MS };
  const restore = (name: string, value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  beforeAll(async () => {
    process.env.WS_PING_INTERVAL_MS = "100";
    process.env.WS_PONG_TIMEOUT_MS = "200";
    try {
      t = await startTestNode();
    } finally {
      restore("WS_PING_INTERVAL_MS", saved.ping);
      restore("WS_PONG_TIMEOUT_MS", saved.pong);
    }
  });
  afterAll(async () => {
    ws.closeAll();
    await t?.stop();
  });

  it("drops a client that does not answer pings, and keeps one that does", async () => {
    const token = await t.token("ws-keepalive");
    const silent = ws.track(await openWs(t.url, "ws-keepalive", { token, options: { autoPong: false } }));
    const lively = await ws.open("ws-keepalive");
    let pings = 0;
    lively.ws.on("ping", () => pings++);
    const started = Date.now();
    const { code } = await silent.closed;
    expect(code).toBe(1006); // terminated: no close frame for a peer considered dead
    expect(Date.now() - started).toBeLessThan(3000);
    await eventually(() => !t.node.parts.connections.get(silent.connectionId), 2000, "the silent connection to be unregistered");
    await sleep(500);
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(lively.ws.readyState).toBe(lively.ws.OPEN);
    expect(await lively.send({ type: "ping" })).toMatchObject({ ok: true });
    lively.close();
  });
});

describe("/ws shutdown", () => {
  it("closes every /ws client with 1001, a client that stopped reading included", async () => {
    const t = await startTestNode();
    const ws = opener(() => t);
    try {
      const [a, b, paused] = await Promise.all([ws.open("ws-shutdown"), ws.open("ws-shutdown-2"), ws.open("ws-shutdown-3")]);
      paused.rawSocket().pause();
      const started = Date.now();
      await t.stop();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await a.closed).toMatchObject({ code: 1001 });
      expect(await b.closed).toMatchObject({ code: 1001 });
      paused.rawSocket().resume();
      expect(await paused.closed).toMatchObject({ code: 1001 });
    } finally {
      ws.closeAll();
    }
  });
});
