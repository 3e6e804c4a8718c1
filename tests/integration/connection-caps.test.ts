import { Agent, request } from "node:http";
import { connect as netConnect } from "node:net";
import { EventType } from "@ag-ui/core";
import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { defaultMaxConnections, loadConfig } from "../../server/env";
import { postAgUi, readEvents, runInput } from "../support/ag-ui-http-client";
import { eventually, sleep, startTestNode, type TestClient, type TestNode } from "../support/test-node";
import { openWs, refusalOf, type WsClient } from "../support/ws-client";

/**
 * TCP connection caps (PROTOCOL.md "Starting the server"): past MAX_CONNECTIONS (503 SERVER_BUSY) or
 * MAX_CONNECTIONS_PER_ADDRESS (429 TOO_MANY_CONNECTIONS) a new connection is refused with the JSON error
 * body before any upgrade, whatever its transport; connections already open keep working, and a closed one
 * frees its slot. With TRUST_PROXY the address is the first X-Forwarded-For hop. The HTTP server's
 * headersTimeout closes a client that stalls mid-request; requestTimeout never cuts a stream or an upgrade.
 */

let t: TestNode | undefined;
const opened: { close(): void }[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) c.close();
  await t?.stop();
  t = undefined;
});

interface RawAnswer {
  status: number;
  body: string;
}

/** One GET on a fresh TCP connection (Connection: close); resolves with the answer once the server closes it. */
function rawGet(url: string, path = "/api/health", headers: Record<string, string> = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    "Connection: close",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return new Promise((resolve, reject) => {
    const socket = netConnect(Number(port), hostname, () => socket.write(`${lines.join("\r\n")}\r\n\r\n`));
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (data += chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf("\r\n\r\n") + 4) });
    });
  });
}

/** A Socket.IO client over WebSocket that must be refused: the connect_error it gets. */
function sioRefusal(url: string): Promise<Error & { description?: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, auth: { token: "unused" } });
    socket.once("connect", () => {
      socket.close();
      reject(new Error("the Socket.IO client connected"));
    });
    socket.once("connect_error", (err) => {
      socket.close();
      resolve(err);
    });
  });
}

async function connectMany(node: TestNode, n: number, prefix: string): Promise<TestClient[]> {
  const clients = await Promise.all(Array.from({ length: n }, (_, i) => node.connect(`${prefix}-${i}`)));
  opened.push(...clients);
  return clients;
}

async function expectPing(c: TestClient): Promise<void> {
  const ack = await c.send({ type: "ping" });
  expect(ack.ok).toBe(true);
  await c.waitFor((e) => e.type === "pong");
}

const caps = (node: TestNode) => node.node.parts.connectionCaps;

describe.each([
  { cap: "MAX_CONNECTIONS_PER_ADDRESS", status: 429, code: "TOO_MANY_CONNECTIONS" },
  { cap: "MAX_CONNECTIONS", status: 503, code: "SERVER_BUSY" },
])("$cap=5", ({ cap, status, code }) => {
  it(`refuses the 6th TCP connection with ${status} ${code} on every transport; the first five keep working; a closed one frees its slot`, async () => {
    const node = (t = await startTestNode({ [cap]: "5" }));
    const clients = await connectMany(node, 5, "cap");
    expect(caps(node).open).toBe(5);

    const raw = await rawGet(node.url);
    expect(raw.status).toBe(status);
    expect(JSON.parse(raw.body)).toMatchObject({ error: { code, message: expect.stringContaining(cap) } });

    const sio = await sioRefusal(node.url);
    expect(sio.message).toBe("websocket error");
    // The engine's WebSocket error event: "Unexpected server response: <status>".
    expect(String((sio.description as { message?: unknown }).message)).toContain(String(status));

    const ws = await refusalOf(node.url, { headers: { Authorization: `Bearer ${await node.token("cap-ws")}` } });
    expect(ws).toMatchObject({ status, body: { error: { code } } });

    await Promise.all(clients.map(expectPing));
    expect(caps(node).open).toBe(5);

    clients[0]!.close();
    await eventually(() => caps(node).open === 4, 5000, "the closed socket's slot freed");
    const again = await node.connect("cap-again");
    opened.push(again);
    await expectPing(again);
    expect((await rawGet(node.url)).status).toBe(status);

    for (const c of opened.splice(0)) c.close();
    await eventually(() => caps(node).open === 0 && caps(node).addresses === 0, 5000, "every slot released");
    expect(caps(node).refused).toBe(4);
  });
});

describe("counting", () => {
  it("counts a keep-alive connection once, however many requests it carries, and releases it when it closes", async () => {
    const node = (t = await startTestNode({ MAX_CONNECTIONS_PER_ADDRESS: "1" }));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${node.url}/api/health`, { agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end();
      });
    for (let i = 0; i < 4; i++) expect(await get()).toBe(200);
    expect(caps(node).open).toBe(1);
    expect((await rawGet(node.url)).status).toBe(429);
    agent.destroy();
    await eventually(() => caps(node).open === 0 && caps(node).addresses === 0, 5000, "the keep-alive slot released");
    expect((await rawGet(node.url)).status).toBe(200);
  });

  it("refuses nothing with MAX_CONNECTIONS_PER_ADDRESS=0", async () => {
    const node = (t = await startTestNode({ MAX_CONNECTIONS_PER_ADDRESS: "0" }));
    await connectMany(node, 20, "nocap");
    expect((await rawGet(node.url)).status).toBe(200);
    expect(caps(node).addresses).toBe(0);
  });
});

describe("TRUST_PROXY=1", () => {
  it("gives each first X-Forwarded-For hop its own budget; the proxy's own address is not the client's", async () => {
    const node = (t = await startTestNode({ TRUST_PROXY: "1", MAX_CONNECTIONS_PER_ADDRESS: "2" }));
    const viaProxy = async (user: string, forwarded: string): Promise<WsClient> => {
      const c = await openWs(node.url, user, { token: await node.token(user), options: { headers: { "X-Forwarded-For": forwarded } } });
      opened.push(c);
      return c;
    };
    const a1 = await viaProxy("tp-a1", "203.0.113.1");
    await viaProxy("tp-a2", "203.0.113.1, 10.0.0.1");
    const b1 = await viaProxy("tp-b1", "203.0.113.2");
    await viaProxy("tp-b2", "203.0.113.2");
    // Four sockets from 127.0.0.1 with a cap of 2: only the forwarded address counts.
    expect(caps(node).open).toBe(4);

    const refusedA = await refusalOf(node.url, {
      headers: { Authorization: `Bearer ${await node.token("tp-a3")}`, "X-Forwarded-For": "203.0.113.1" },
    });
    expect(refusedA).toMatchObject({ status: 429, body: { error: { code: "TOO_MANY_CONNECTIONS" } } });
    const refusedHttp = await rawGet(node.url, "/api/health", { "X-Forwarded-For": "203.0.113.2" });
    expect(refusedHttp.status).toBe(429);
    expect(JSON.parse(refusedHttp.body)).toMatchObject({ error: { code: "TOO_MANY_CONNECTIONS" } });
    expect((await rawGet(node.url, "/api/health", { "X-Forwarded-For": "198.51.100.7" })).status).toBe(200);

    expect((await a1.send({ type: "ping" })).ok).toBe(true);
    expect((await b1.send({ type: "ping" })).ok).toBe(true);

    a1.close();
    await eventually(() => caps(node).open === 3, 5000, "the closed socket released");
    await viaProxy("tp-a4", "203.0.113.1");

    for (const c of opened.splice(0)) c.close();
    await eventually(() => caps(node).open === 0 && caps(node).addresses === 0, 5000, "every slot released");
  });
});

describe("HTTP timeouts", () => {
  it("closes a client that sends half a request line and stalls, within HTTP_HEADERS_TIMEOUT_MS", async () => {
    const node = (t = await startTestNode({ HTTP_HEADERS_TIMEOUT_MS: "500", HTTP_REQUEST_TIMEOUT_MS: "1000" }));
    const { hostname, port } = new URL(node.url);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = netConnect(Number(port), hostname, () => socket.write("GET /api/hea"));
      socket.on("data", () => undefined);
      socket.on("error", reject);
      socket.on("close", () => resolve(Date.now() - started));
    });
    expect(closedAfter).toBeGreaterThanOrEqual(400);
    expect(closedAfter).toBeLessThan(2000);
    await eventually(() => caps(node).open === 0, 5000, "the stalled socket's slot released");
  });

  it("never cuts an AG-UI stream or an upgraded socket that outlives HTTP_REQUEST_TIMEOUT_MS", async () => {
    const node = (t = await startTestNode({ FAULT_INJECTION: "1", HTTP_HEADERS_TIMEOUT_MS: "500", HTTP_REQUEST_TIMEOUT_MS: "1000" }));
    const [socket] = await connectMany(node, 1, "timeouts");
    const started = Date.now();
    const res = await postAgUi(
      `${node.url}/ag-ui/assistant`,
      await node.token("timeouts-agui"),
      runInput("what is 2 * 3?", { forwardedProps: { switchyard: { simulate: { delay_ms: 3000 } } } }),
    );
    expect(res.status).toBe(200);
    const { events } = await readEvents(res);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(events.at(-1)?.type).toBe(EventType.RUN_FINISHED);
    await sleep(200);
    await expectPing(socket!);
  });
});

describe("configuration", () => {
  it("defaults: MAX_CONNECTIONS from the open-files limit (at least 100), 1000 per address, no proxy trusted", () => {
    const load = (vars: Record<string, string>) => loadConfig({ NODE_ENV: "test", ...vars });
    const config = load({});
    expect(config.MAX_CONNECTIONS).toBe(defaultMaxConnections());
    expect(config.MAX_CONNECTIONS).toBeGreaterThanOrEqual(100);
    expect(config).toMatchObject({ MAX_CONNECTIONS_PER_ADDRESS: 1000, TRUST_PROXY: false, HTTP_HEADERS_TIMEOUT_MS: 10_000 });
    expect(config.HTTP_REQUEST_TIMEOUT_MS).toBe(30_000);
    expect(load({ MAX_CONNECTIONS: "250", TRUST_PROXY: "1" })).toMatchObject({ MAX_CONNECTIONS: 250, TRUST_PROXY: true });
    expect(() => load({ MAX_CONNECTIONS: "0" })).toThrow(/MAX_CONNECTIONS/);
    expect(() => load({ HTTP_HEADERS_TIMEOUT_MS: "5000", HTTP_REQUEST_TIMEOUT_MS: "1000" })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
  });
});
