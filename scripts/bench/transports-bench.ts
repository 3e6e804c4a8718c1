// `npm run bench:transports`: the golden path over each way in (issue 15), on one production node.
//   load     U users per transport, each keeping one golden run in flight for the window, one transport
//            at a time: runs per second and run latency p50 / p99 (same load on each).
//   latency  one client, sequential golden runs: p50 / p99 per transport and the difference against
//            Socket.IO (what the plain WebSocket and the AG-UI SSE adapters add).
// Socket.IO (socket.io-client), plain WebSocket (`ws`, Bearer header) and AG-UI over HTTP (fetch of
// `POST /ag-ui/assistant`, the SSE stream read to RUN_FINISHED) speak to the same router.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { type Ack, type AnyServerEvent, type ChatClientToServer, type ChatServerToClient, isTerminalType } from "../../contract";
import { postRunAgentInput } from "./lib/ag-ui-request";
import { killChildrenOnExit } from "./lib/child-process";
import { startServer, switchyardEnv } from "./lib/server-process";
import { signToken } from "./token";

const { values: opts } = parseArgs({
  options: {
    users: { type: "string", default: "50" },
    duration: { type: "string", default: "5" },
    runs: { type: "string", default: "200" },
    json: { type: "boolean", default: false },
  },
});
const USERS = Number(opts.users);
const DURATION_S = Number(opts.duration);
const RUNS = Number(opts.runs);
const CONTENT = "what is 2+2";
const log = (line: string) => process.stderr.write(`${line}\n`);
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]! : NaN;
};
const ms = (x: number) => Math.round(x * 100) / 100;

/** One client of one transport: `run()` resolves with the run's latency once it has ended. */
interface RunClient {
  run(): Promise<number>;
  close(): void;
}

async function socketIoClient(url: string, user: string): Promise<RunClient> {
  const s: Socket<ChatServerToClient, ChatClientToServer> = io(url, {
    auth: { token: signToken(user) },
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", reject);
  });
  const waiting = new Map<string, () => void>();
  const early = new Set<string>();
  s.on("event", (e) => {
    if (!isTerminalType(e.type)) return;
    const done = e.run_id ? waiting.get(e.run_id) : undefined;
    if (done) done();
    else if (e.run_id) early.add(e.run_id);
  });
  return {
    run: () =>
      new Promise((resolve, reject) => {
        const t0 = performance.now();
        s.emit("message", { type: "user_message", payload: { content: CONTENT } }, (ack: Ack) => {
          if (!ack.ok || !ack.run_id) return reject(new Error(`socket.io: ${JSON.stringify(ack)}`));
          const runId = ack.run_id;
          const finish = () => {
            waiting.delete(runId);
            resolve(performance.now() - t0);
          };
          if (early.delete(runId)) finish();
          else waiting.set(runId, finish);
        });
      }),
    close: () => s.close(),
  };
}

async function webSocketClient(url: string, user: string): Promise<RunClient> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws`, { headers: { Authorization: `Bearer ${signToken(user)}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let pending: { resolve: (ms: number) => void; t0: number; runId?: string } | null = null;
  ws.on("message", (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { type: string; payload: Ack } | AnyServerEvent;
    if (!pending) return;
    if (frame.type === "message_ack") {
      const ack = frame.payload;
      if (ack.ok) pending.runId = ack.run_id;
      return;
    }
    const e = frame as AnyServerEvent;
    if (isTerminalType(e.type) && e.run_id === pending.runId) {
      const p = pending;
      pending = null;
      p.resolve(performance.now() - p.t0);
    }
  });
  return {
    run: () =>
      new Promise((resolve) => {
        pending = { resolve, t0: performance.now() };
        ws.send(JSON.stringify({ type: "user_message", payload: { content: CONTENT } }));
      }),
    close: () => ws.close(),
  };
}

function agUiClient(url: string, user: string): Promise<RunClient> {
  const token = signToken(user);
  let n = 0;
  return Promise.resolve({
    async run() {
      const t0 = performance.now();
      await postRunAgentInput(
        `${url}/ag-ui/assistant`,
        { threadId: `${user}-thread`, runId: `${user}-${n++}`, content: CONTENT, token },
        (text) => text.includes('"RUN_FINISHED"') || text.includes('"RUN_ERROR"'),
      );
      return performance.now() - t0;
    },
    close: () => undefined,
  });
}

const TRANSPORTS = { "socket.io": socketIoClient, websocket: webSocketClient, sse: agUiClient } as const;
type TransportName = keyof typeof TRANSPORTS;

async function load(url: string, transport: TransportName) {
  const clients = await Promise.all(Array.from({ length: USERS }, (_, i) => TRANSPORTS[transport](url, `bench-${transport}-${i}`)));
  const latencies: number[] = [];
  let counting = false;
  let stop = false;
  const loops = clients.map(async (c) => {
    while (!stop) {
      const took = await c.run();
      if (counting) latencies.push(took);
    }
  });
  await new Promise((r) => setTimeout(r, 1000));
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, DURATION_S * 1000));
  counting = false;
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  for (const c of clients) c.close();
  return {
    runs_per_s: Math.round(latencies.length / seconds),
    p50_ms: ms(quantile(latencies, 0.5)),
    p99_ms: ms(quantile(latencies, 0.99)),
  };
}

async function latency(url: string, transport: TransportName) {
  const c = await TRANSPORTS[transport](url, `bench-latency-${transport}`);
  for (let i = 0; i < 20; i++) await c.run();
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await c.run());
  c.close();
  return { p50_ms: ms(quantile(xs, 0.5)), p99_ms: ms(quantile(xs, 0.99)) };
}

const dir = mkdtempSync(join(tmpdir(), "switchyard-transports-bench-"));
killChildrenOnExit(log, async () => rmSync(dir, { recursive: true, force: true }));
const server = await startServer({
  file: "switchyard-server.ts",
  env: switchyardEnv({ DATABASE_URL: `file:${join(dir, "bench.db")}`, DATA_DIR: dir, NODE_ID: "bench-transports" }),
  name: "switchyard",
  stopGraceMs: 10_000,
});
try {
  const result: Record<string, unknown> = {};
  for (const t of Object.keys(TRANSPORTS) as TransportName[]) {
    log(`load: ${USERS} users over ${t}, one golden run each in flight, ${DURATION_S} s ...`);
    const l = await load(server.url, t);
    log(`  ${l.runs_per_s} runs/s, p50 ${l.p50_ms} ms, p99 ${l.p99_ms} ms`);
    log(`latency: one client over ${t}, ${RUNS} sequential runs ...`);
    const one = await latency(server.url, t);
    log(`  p50 ${one.p50_ms} ms, p99 ${one.p99_ms} ms`);
    result[t] = { load: l, single: one };
  }
  const base = (result["socket.io"] as { single: { p50_ms: number; p99_ms: number } }).single;
  for (const t of ["websocket", "sse"] as const) {
    const s = (result[t] as { single: { p50_ms: number; p99_ms: number } }).single;
    result[`${t}_added_vs_socket.io`] = { p50_ms: ms(s.p50_ms - base.p50_ms), p99_ms: ms(s.p99_ms - base.p99_ms) };
  }
  process.stdout.write(`${JSON.stringify(result, null, opts.json ? undefined : 2)}\n`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
