// `npm run bench:agents`: what streaming and external agents cost one Switchyard node (issue 14).
//   stream  N users each keep one `streamer` run in flight: chunks delivered per second, server CPU.
//   ttft    time to first token of an AG-UI agent that answers at once, called directly vs through
//           Switchyard (start_agent -> first agent_response_chunk): Switchyard's share, p50 / p99.
//   flood   a bystander pings every 50 ms, alone and while another user's AG-UI agent floods
//           thousands of tiny deltas a second: the bystander's p50 / p99, and what the flood delivered.
// The node and the agent run in their own processes (production node, SQLite, no Next.js).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { io, type Socket } from "socket.io-client";
import { type Ack, type AnyServerEvent, type ChatClientToServer, type ChatServerToClient, isTerminalType } from "../../contract";
import { postRunAgentInput } from "./lib/ag-ui-request";
import { killChildrenOnExit, spawnChild } from "./lib/child-process";
import { type ServerHandle, startServer, switchyardEnv } from "./lib/server-process";
import { signToken } from "./token";

type ChatSocket = Socket<ChatServerToClient, ChatClientToServer>;

const { values: opts } = parseArgs({
  options: {
    users: { type: "string", default: "100" },
    duration: { type: "string", default: "5" },
    "ttft-runs": { type: "string", default: "200" },
    "flood-rate": { type: "string", default: "5000" },
    json: { type: "boolean", default: false },
  },
});
const USERS = Number(opts.users);
const DURATION_S = Number(opts.duration);
const TTFT_RUNS = Number(opts["ttft-runs"]);
const FLOOD_RATE = Number(opts["flood-rate"]);
const log = (line: string) => process.stderr.write(`${line}\n`);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]! : NaN;
};
const ms = (x: number) => Math.round(x * 100) / 100;

async function connect(url: string, user: string): Promise<ChatSocket> {
  const socket: ChatSocket = io(url, { auth: { token: signToken(user) }, transports: ["websocket"], forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

/** Sends one envelope and resolves with its ack. */
const send = (s: ChatSocket, envelope: Parameters<ChatClientToServer["message"]>[0]) =>
  new Promise<Ack>((resolve) => s.emit("message", envelope, resolve));

/** Starts a run and resolves when its first chunk (`first`) and its last event (`done`) arrive. */
function run(s: ChatSocket, agent: string, content: string): { started: number; first: Promise<number>; done: Promise<AnyServerEvent> } {
  const started = performance.now();
  let runId: string | undefined;
  const early: AnyServerEvent[] = [];
  let onFirst!: (t: number) => void;
  let onDone!: (e: AnyServerEvent) => void;
  const first = new Promise<number>((r) => (onFirst = r));
  const done = new Promise<AnyServerEvent>((r) => (onDone = r));
  let gotFirst = false;
  const handle = (e: AnyServerEvent) => {
    if (e.run_id !== runId) return;
    if (e.type === "agent_response_chunk" && !gotFirst) {
      gotFirst = true;
      onFirst(performance.now() - started);
    }
    if (isTerminalType(e.type)) {
      s.off("event", listener);
      onDone(e);
    }
  };
  const listener = (e: AnyServerEvent) => (runId ? handle(e) : early.push(e));
  s.on("event", listener);
  void send(s, { type: "start_agent", payload: { content, agent_name: agent } }).then((ack) => {
    if (!ack.ok) throw new Error(`start_agent ${agent}: ${ack.error.code} ${ack.error.message}`);
    runId = ack.run_id;
    for (const e of early.splice(0)) handle(e);
  });
  return { started, first, done };
}

async function cpuPct(server: ServerHandle, during: () => Promise<void>): Promise<number> {
  const a = await server.stats();
  const t0 = performance.now();
  await during();
  const b = await server.stats();
  const cpuUs = b.cpu.user + b.cpu.system - (a.cpu.user + a.cpu.system);
  return Math.round((cpuUs / 1000 / (performance.now() - t0)) * 100);
}

/** N users, each keeping one streamer run in flight, for the window: chunks and runs delivered per second. */
async function streamScenario(url: string, server: ServerHandle) {
  const sockets = await Promise.all(Array.from({ length: USERS }, (_, i) => connect(url, `bench-stream-${i}`)));
  let chunks = 0;
  let runs = 0;
  let counting = false;
  for (const s of sockets) s.on("event", (e) => counting && e.type === "agent_response_chunk" && chunks++);
  let stop = false;
  const loops = sockets.map(async (s, i) => {
    while (!stop) {
      const done = await run(s, "streamer", `what is ${i} * ${i} and how does the router deliver events?`).done;
      if (counting && done.type === "agent_completed") runs++;
    }
  });
  await new Promise((r) => setTimeout(r, 1000));
  counting = true;
  const window = performance.now();
  const cpu = await cpuPct(server, () => new Promise((r) => setTimeout(r, DURATION_S * 1000)));
  const seconds = (performance.now() - window) / 1000;
  counting = false;
  stop = true;
  await Promise.all(loops);
  for (const s of sockets) s.close();
  return { users: USERS, chunks_per_s: Math.round(chunks / seconds), runs_per_s: Math.round(runs / seconds), server_cpu_pct: cpu };
}

/** Time to the first text token: straight from the agent, and through Switchyard. */
async function ttftScenario(url: string, agentUrl: string) {
  const direct: number[] = [];
  for (let i = 0; i < TTFT_RUNS; i++) {
    const t0 = performance.now();
    let first = NaN;
    // Timed when the first text token has been read, before the rest of the answer is dropped.
    await postRunAgentInput(`${agentUrl}/first`, { threadId: "t", runId: `r${i}`, content: "hi" }, (text) => {
      if (!text.includes("TEXT_MESSAGE_CONTENT")) return false;
      first = performance.now();
      return true;
    });
    direct.push(first - t0);
  }
  const s = await connect(url, "bench-ttft");
  const via: number[] = [];
  for (let i = 0; i < TTFT_RUNS; i++) {
    const r = run(s, "first", "hello");
    via.push(await r.first);
    await r.done;
  }
  s.close();
  return {
    runs: TTFT_RUNS,
    direct_p50_ms: ms(quantile(direct, 0.5)),
    direct_p99_ms: ms(quantile(direct, 0.99)),
    via_switchyard_p50_ms: ms(quantile(via, 0.5)),
    via_switchyard_p99_ms: ms(quantile(via, 0.99)),
    added_p50_ms: ms(quantile(via, 0.5) - quantile(direct, 0.5)),
    added_p99_ms: ms(quantile(via, 0.99) - quantile(direct, 0.99)),
  };
}

/** A bystander's ping round trips every 50 ms for the window. */
async function pings(s: ChatSocket, seconds: number): Promise<number[]> {
  const rtts: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const t0 = performance.now();
    await send(s, { type: "ping" });
    rtts.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 50));
  }
  return rtts;
}

async function floodScenario(url: string) {
  const [bystander, attacker] = await Promise.all([connect(url, "bench-bystander"), connect(url, "bench-flooder")]);
  const quiet = await pings(bystander, DURATION_S);
  let chunks = 0;
  attacker.on("event", (e) => e.type === "agent_response_chunk" && chunks++);
  const flood = run(attacker, "flood", "flood me");
  const t0 = performance.now();
  const loud = await pings(bystander, DURATION_S);
  const end = await flood.done;
  const seconds = (performance.now() - t0) / 1000;
  bystander.close();
  attacker.close();
  return {
    offered_deltas_per_s: FLOOD_RATE,
    chunks_delivered_per_s: Math.round(chunks / seconds),
    flood_run_ended: end.type === "agent_error" ? `agent_error ${end.payload.error_code}` : "completed",
    bystander_quiet_p50_ms: ms(quantile(quiet, 0.5)),
    bystander_quiet_p99_ms: ms(quantile(quiet, 0.99)),
    bystander_flood_p50_ms: ms(quantile(loud, 0.5)),
    bystander_flood_p99_ms: ms(quantile(loud, 0.99)),
  };
}

const dir = mkdtempSync(join(tmpdir(), "switchyard-agents-bench-"));
killChildrenOnExit(log, async () => rmSync(dir, { recursive: true, force: true }));
const agent = spawnChild<{ type: "exit" }, { type: "ready"; port: number } | { type: "error"; message: string }>(
  "ag-ui-bench-agent.ts",
  {},
);
const { port } = await agent.waitFor((m) => (m.type === "ready" ? m : undefined), 60_000, "AG-UI bench agent start");
const agentUrl = `http://127.0.0.1:${port}`;
const agentsFile = join(dir, "agents.json");
writeFileSync(
  agentsFile,
  JSON.stringify([
    { name: "assistant", kind: "builtin" },
    { name: "first", kind: "ag-ui", url: `${agentUrl}/first` },
    { name: "flood", kind: "ag-ui", url: `${agentUrl}/flood?rate=${FLOOD_RATE}&seconds=${DURATION_S}`, timeout_ms: 60_000 },
  ]),
);
const server = await startServer({
  file: "switchyard-server.ts",
  env: switchyardEnv({ DATABASE_URL: `file:${join(dir, "bench.db")}`, DATA_DIR: dir, AGENTS_FILE: agentsFile, NODE_ID: "bench-agents" }),
  name: "switchyard",
  stopGraceMs: 10_000,
});
try {
  log(`stream: ${USERS} users, one streamer run each in flight, ${DURATION_S} s ...`);
  const stream = await streamScenario(server.url, server);
  log(`  ${stream.chunks_per_s.toLocaleString("en")} chunks/s, ${stream.runs_per_s} runs/s, server CPU ${stream.server_cpu_pct} %`);
  log(`ttft: ${TTFT_RUNS} runs direct and through Switchyard ...`);
  const ttft = await ttftScenario(server.url, agentUrl);
  log(
    `  direct p50/p99 ${ttft.direct_p50_ms}/${ttft.direct_p99_ms} ms, via Switchyard ${ttft.via_switchyard_p50_ms}/${ttft.via_switchyard_p99_ms} ms`,
  );
  log(`flood: bystander pings for ${DURATION_S} s, then again while an agent floods ${FLOOD_RATE} deltas/s ...`);
  const flood = await floodScenario(server.url);
  log(
    `  bystander p50/p99 quiet ${flood.bystander_quiet_p50_ms}/${flood.bystander_quiet_p99_ms} ms, flood ${flood.bystander_flood_p50_ms}/${flood.bystander_flood_p99_ms} ms; ${flood.chunks_delivered_per_s} chunks/s delivered (${flood.flood_run_ended})`,
  );
  const result = { stream, ttft, flood };
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await server.stop();
  await agent.stop({ type: "exit" }, 5000);
  rmSync(dir, { recursive: true, force: true });
}
