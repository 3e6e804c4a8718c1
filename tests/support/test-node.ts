import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { loadConfig, type Config } from "../../server/env";
import { createLogger } from "../../server/logger";
import { SwitchyardNode } from "../../server/node";
import type { ServerEvent, SessionDetail } from "../../contract";
import { TEST_SECRET } from "./jwt";

export { TEST_SECRET };

export interface TestNode {
  node: SwitchyardNode;
  url: string;
  dataDir: string;
  /** Mints a token signed with the node's secret. */
  token(sub: string, role?: "user" | "operator", ttl?: string | null): Promise<string>;
  /** Connects a real socket.io client and waits for connection_established. */
  connect(sub: string, opts?: { acks?: boolean; role?: "user" | "operator" }): Promise<TestClient>;
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestClient {
  socket: Socket;
  userId: string;
  connectionId: string;
  events: EventRecord[];
  send(envelope: unknown): Promise<Record<string, unknown>>;
  waitFor(predicate: (e: EventRecord) => boolean, timeoutMs?: number): Promise<EventRecord>;
  close(): void;
}

/** An event as a test client records it: the contract's event, its payload left open for assertions. */
export type EventRecord = Omit<ServerEvent, "payload"> & { payload: Record<string, unknown> };

/** The environment a test node runs with: its own SQLite file in `dataDir`, quiet, the test secret. */
export function testNodeEnv(dataDir: string) {
  return {
    NODE_ENV: "test" as const,
    AUTH_SECRET: TEST_SECRET,
    DATA_DIR: dataDir,
    DATABASE_URL: `file:${join(dataDir, "test.db")}`,
    LOG_LEVEL: "silent",
    NODE_ID: "test-node",
  };
}

/** Boots a real Switchyard node (no Next.js pages) on port 0 with its own SQLite file. */
export async function startTestNode(overrides: Record<string, string> = {}, options: { dataDir?: string } = {}): Promise<TestNode> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "switchyard-test-"));
  const config: Config = loadConfig({ ...testNodeEnv(dataDir), ...overrides });
  const node = await SwitchyardNode.create({ config, logger: createLogger(config.LOG_LEVEL, config.NODE_ID) });
  const port = await node.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${port}`;
  const clients: TestClient[] = [];

  const token = (sub: string, role: "user" | "operator" = "user", ttl: string | null = "1h") => node.tokens.sign(sub, role, ttl);

  return {
    node,
    url,
    dataDir,
    token,
    async connect(sub, opts = {}) {
      const socket = io(url, {
        auth: { token: await token(sub, opts.role ?? "user"), acks: opts.acks ?? false },
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
      });
      const client = await wrapClient(socket, sub);
      clients.push(client);
      return client;
    },
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      const t = init.token;
      return (async () => {
        if (t !== null) headers.set("Authorization", `Bearer ${t ?? (await token("ops", "operator"))}`);
        return fetch(url + path, { ...init, headers });
      })();
    },
    async stop({ keepData = false } = {}) {
      for (const c of clients) c.close();
      await node.close();
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function wrapClient(socket: Socket, userId: string): Promise<TestClient> {
  const events: EventRecord[] = [];
  const waiters = new Set<{ predicate: (e: EventRecord) => boolean; resolve: (e: EventRecord) => void }>();
  // With connection-state recovery on, Socket.IO appends the packet's offset (a string) as a last
  // argument; only a function is an ack callback.
  socket.on("event", (evt: EventRecord, ack?: unknown) => {
    events.push(evt);
    if (typeof ack === "function") (ack as () => void)();
    for (const w of waiters) {
      if (w.predicate(evt)) {
        waiters.delete(w);
        w.resolve(evt);
      }
    }
  });
  const client: TestClient = {
    socket,
    userId,
    connectionId: "",
    events,
    send: (envelope) => socket.timeout(10_000).emitWithAck("message", envelope) as Promise<Record<string, unknown>>,
    waitFor(predicate, timeoutMs = 10_000) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { predicate, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (waiters.delete(w)) reject(new Error(`timed out waiting for an event (have: ${events.map((e) => e.type).join(", ")})`));
        }, timeoutMs).unref();
      });
    },
    close: () => socket.close(),
  };
  return new Promise((resolve, reject) => {
    socket.once("connect_error", (err) => reject(err));
    void client
      .waitFor((e) => e.type === "connection_established")
      .then((e) => {
        client.connectionId = String(e.payload.connection_id);
        resolve(client);
      }, reject);
  });
}

/** Connects without waiting for success; resolves with the connect_error message or "connected". */
export function tryConnect(url: string, auth: Record<string, unknown>, nsp = "/"): Promise<string> {
  return handshakeOutcome(url, { auth }, nsp);
}

/** Opens a Socket.IO connection with any options; resolves with "connected" or the connect_error message, and closes it. */
export function handshakeOutcome(url: string, opts: Partial<ManagerOptions & SocketOptions>, nsp = "/"): Promise<string> {
  return new Promise((resolve) => {
    const socket = io(url + nsp, { transports: ["websocket"], reconnection: false, forceNew: true, ...opts });
    socket.once("connect", () => {
      socket.close();
      resolve("connected");
    });
    socket.once("connect_error", (err) => {
      socket.close();
      resolve(err.message);
    });
  });
}

/** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** The golden path as the contract declares it (tests compare with it, never with a copy). */
export { GOLDEN_PATH } from "../../contract";

// ---- Helpers for the router suites (tests/integration/router-*.test.ts) ----

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A session as GET /api/sessions/:id returns it. */
export type SessionBody = SessionDetail;

/** GETs an operator API path and returns its JSON body, failing on a non-2xx status. */
export async function apiJson<T = any>(t: TestNode, path: string): Promise<T> {
  const res = await t.api(path);
  if (!res.ok) throw new Error(`GET ${path} -> ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** One series of GET /metrics (its name, and its labels when it has any, as Prometheus prints them): its value, or null when absent. */
export async function metricValue(t: Pick<TestNode, "api">, series: string): Promise<number | null> {
  const text = await (await t.api("/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

/** Polls GET /api/sessions/:id until the session is final (status other than "running"), or has `status`. */
export function sessionWhen(t: TestNode, runId: string, status?: SessionBody["status"], timeoutMs = 10_000): Promise<SessionBody> {
  return eventually(
    async () => {
      const res = await t.api(`/api/sessions/${runId}`);
      if (res.status !== 200) return null;
      const body = (await res.json()) as SessionBody;
      return (status ? body.status === status : body.status !== "running") ? body : null;
    },
    timeoutMs,
    `session ${runId} ${status ?? "final"}`,
  );
}

/** True for the event that ends a run (agent_completed or agent_error). */
export const isTerminal = (runId: string) => (e: EventRecord) =>
  e.run_id === runId && (e.type === "agent_completed" || e.type === "agent_error");

/**
 * Sends a run-starting envelope, expects an ok ack with run_id and thread_id, waits for the run's last
 * event on this client and returns the ack with the run's events as this client saw them.
 */
export async function runToEnd(
  client: TestClient,
  envelope: Record<string, unknown>,
  timeoutMs = 10_000,
): Promise<{ ack: Record<string, unknown>; runId: string; threadId: string; events: EventRecord[] }> {
  const ack = await client.send(envelope);
  if (ack.ok !== true || typeof ack.run_id !== "string") throw new Error(`run not started: ${JSON.stringify(ack)}`);
  const runId = ack.run_id;
  await client.waitFor(isTerminal(runId), timeoutMs);
  return { ack, runId, threadId: String(ack.thread_id), events: client.events.filter((e) => e.run_id === runId && e.seq !== undefined) };
}

/** Emits `message` with exactly these arguments plus an ack callback; resolves with the ack. */
export function emitRaw(client: TestClient, ...args: unknown[]): Promise<Record<string, unknown>> {
  return client.socket.timeout(10_000).emitWithAck("message", ...args) as Promise<Record<string, unknown>>;
}
