// `npm run bench:cluster` (or `npx tsx scripts/bench/cluster-bench.ts`): the closed-loop golden path
// (user_message -> agent_completed, --inflight per user) against Switchyard in four set-ups, each node a
// scripts/bench/switchyard-server.ts child process, the load from scripts/bench/cluster-generator.ts:
//   sqlite   one node, SQLite, no Redis (the `npm run bench` golden set-up; reference)
//   pg-1     one node with REDIS_URL + PostgreSQL
//   split-2  two nodes on the same Redis + PostgreSQL; half the users on node 1, half on node 2
//   cross-2  two nodes; every user has one connection on each node, sends on node 1, and a run is done
//            when agent_completed reached both connections (the cross-node delivery path)
// Modes are interleaved within each round (order reversed on even rounds). Every run gets a fresh
// PostgreSQL database (dropped afterwards) and a unique REDIS_PREFIX (its keys deleted afterwards).
//
//   npx tsx scripts/bench/cluster-bench.ts [--modes sqlite,pg-1,split-2,cross-2] [--duration 8] [--warmup 2]
//        [--rounds 2] [--users 100] [--inflight 1] [--pg postgresql://postgres@127.0.0.1:5432]
//        [--redis redis://127.0.0.1:6379] [--json] [--out file]
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import { createClient } from "redis";
import type { ClusterPlan, ToClusterGenerator } from "./cluster-generator";
import { Histogram } from "./histogram";
import { BENCH_SECRET, type ConnectReport, type FromGenerator, type FromServer, type LoadReport, type ServerStats } from "./protocol";

const ROOT = new URL("../..", import.meta.url).pathname;
const HERE = new URL(".", import.meta.url).pathname;
const MODES = ["sqlite", "pg-1", "split-2", "cross-2"] as const;
type Mode = (typeof MODES)[number];
const DESCRIBE: Record<Mode, string> = {
  sqlite: "1 node, SQLite, no Redis (reference)",
  "pg-1": "1 node, Redis + PostgreSQL",
  "split-2": "2 nodes, users split evenly",
  "cross-2": "2 nodes, each user on both, send on node 1",
};

const { values: argv } = parseArgs({
  options: {
    modes: { type: "string", default: MODES.join(",") },
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    rounds: { type: "string", default: "2" },
    users: { type: "string", default: "100" },
    inflight: { type: "string", default: "1" },
    pg: { type: "string", default: "postgresql://postgres@127.0.0.1:5432" },
    redis: { type: "string", default: "redis://127.0.0.1:6379" },
    json: { type: "boolean", default: false },
    out: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (argv.help) {
  process.stdout.write(
    readFileSync(new URL(import.meta.url), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("//"))
      .join("\n") + "\n",
  );
  process.exit(0);
}
const num = (name: string, v: string, min: number) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number >= ${min}\n`);
    process.exit(2);
  }
  return n;
};
const opts = {
  modes: argv.modes.split(",").map((s) => s.trim()) as Mode[],
  durationS: num("duration", argv.duration, 0.5),
  warmupS: num("warmup", argv.warmup, 0),
  rounds: num("rounds", argv.rounds, 1),
  users: num("users", argv.users, 2),
  inflight: num("inflight", argv.inflight, 1),
  pgBase: argv.pg.replace(/\/+$/, ""),
  redisUrl: argv.redis,
};
for (const m of opts.modes) {
  if (!MODES.includes(m)) {
    process.stderr.write(`unknown mode "${m}" (${MODES.join(", ")})\n`);
    process.exit(2);
  }
}

const log = (s: string) => process.stderr.write(s + "\n");
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuUs = (u: NodeJS.CpuUsage) => u.user + u.system;
const MB = 1024 * 1024;

// ---------------- child processes ----------------

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
};
process.on("exit", killAll);
const cleanups = new Set<() => Promise<void>>();
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    log(`\n${sig}: stopping the bench processes and dropping the bench databases`);
    killAll();
    void Promise.allSettled([...cleanups].map((f) => f())).then(() => process.exit(130));
  });
}

function spawnTs(file: string, env: Record<string, string>): ChildProcess {
  const child = fork(join(HERE, file), [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv: ["--import", "tsx", "--expose-gc"],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "advanced",
  });
  children.add(child);
  child.on("error", () => undefined); // IPC to an exited child: the waiters report the exit
  let tail = "";
  child.stderr!.on("data", (d: Buffer) => (tail = (tail + d.toString()).slice(-3000)));
  child.once("exit", () => children.delete(child));
  (child as ChildProcess & { tail: () => string }).tail = () => tail.trim().split("\n").slice(-6).join("\n");
  return child;
}

function waitFor<M extends { type: string }, R>(child: ChildProcess, pick: (m: M) => R | undefined, ms: number, what: string): Promise<R> {
  return new Promise((resolve, reject) => {
    const tail = () => (child as ChildProcess & { tail?: () => string }).tail?.() ?? "";
    const onMsg = (m: M) => {
      if (m.type === "error") return done(new Error(`${what}: ${(m as unknown as { message: string }).message}`));
      const r = pick(m);
      if (r !== undefined) done(null, r);
    };
    const onExit = (code: number | null, sig: string | null) => done(new Error(`${what}: exited (${sig ?? code}) ${tail()}`));
    const timer = setTimeout(() => done(new Error(`${what}: no answer in ${ms / 1000} s ${tail()}`)), ms);
    function done(err: Error | null, v?: R) {
      clearTimeout(timer);
      child.off("message", onMsg);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(v as R);
    }
    child.on("message", onMsg);
    child.on("exit", onExit);
  });
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    if (child.connected) child.send({ type: "exit" });
  } catch {
    // gone
  }
  const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(t);
}

let reqId = 0;
interface Node {
  child: ChildProcess;
  url: string;
  stats(): Promise<ServerStats>;
}

async function startNode(env: Record<string, string>): Promise<Node> {
  const child = spawnTs("switchyard-server.ts", {
    NODE_ENV: "production",
    PORT: "0",
    HOST: "127.0.0.1",
    AUTH_SECRET: BENCH_SECRET,
    LOG_LEVEL: "silent",
    RATE_LIMIT_PER_S: "1000000",
    RATE_LIMIT_BURST: "1000000",
    MAX_CONNECTIONS_PER_USER: "1000000",
    DEMO_TRAFFIC: "0",
    FAULT_INJECTION: "0",
    CHECKPOINT_DISABLE: "1",
    NEXT_TELEMETRY_DISABLED: "1",
    BENCH_NO_PERSISTENCE: "0",
    ...env,
  });
  const ready = await waitFor<FromServer, { port: number }>(
    child,
    (m) => (m.type === "ready" ? m : undefined),
    120_000,
    `node ${env.NODE_ID} start`,
  );
  return {
    child,
    url: `http://127.0.0.1:${ready.port}`,
    stats() {
      const id = ++reqId;
      const p = waitFor<FromServer, ServerStats>(child, (m) => (m.type === "stats" && m.id === id ? m.stats : undefined), 30_000, "stats");
      if (!child.connected) return Promise.reject(new Error(`node exited: ${tailOf(child)}`));
      child.send({ type: "stats", id });
      return p;
    },
  };
}

/** Machine-wide busy CPU (us, all cores) from /proc/stat: servers, generator, Redis, PostgreSQL, the rest. */
function machineBusyUs(): number {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) * 10_000;
  } catch {
    return 0;
  }
}

/** CPU (us) of the shared services' processes (redis-server, postgres), from /proc/<pid>/stat. */
function servicesUs(): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const st = readFileSync(`/proc/${pid}/stat`, "utf8");
        const comm = st.slice(st.indexOf("(") + 1, st.lastIndexOf(")"));
        if (!comm.startsWith("redis-server") && !comm.startsWith("postgres")) continue;
        const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
        ticks += Number(f[11]) + Number(f[12]); // utime stime
      } catch {
        // exited
      }
    }
  } catch {
    return 0;
  }
  return ticks * 10_000;
}

/** Waits (up to maxMs) until the machine is quiet: other work would skew the run. Returns the last busy %. */
async function waitQuiet(ownPids: number[], maxMs: number): Promise<number> {
  const t0 = performance.now();
  let pct = 0;
  do {
    const a = machineBusyUs();
    const o = ownPids.reduce((s, p) => s + pidUs(p), 0) + servicesUs();
    await sleep(1000);
    pct = (machineBusyUs() - a - (ownPids.reduce((s, p) => s + pidUs(p), 0) + servicesUs() - o)) / 1e4;
    if (pct < 30) break;
  } while (performance.now() - t0 < maxMs);
  return pct;
}

function pidUs(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return 0;
  }
}

// ---------------- shared services: per-run database and Redis prefix ----------------

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${opts.pgBase}/postgres` });
  await admin.connect();
  try {
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}

/** Deletes this run's keys (`${prefix}:*` and the adapter's channels/streams); never anything else. */
async function deleteRedisKeys(prefix: string): Promise<number> {
  const client = createClient({ url: opts.redisUrl });
  client.on("error", () => undefined);
  await client.connect();
  let n = 0;
  try {
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      const keys: string[] = Array.isArray(batch) ? batch : [batch];
      if (keys.length) n += await client.del(keys);
    }
  } finally {
    await client.quit();
  }
  return n;
}

const tailOf = (c: ChildProcess) => (c as ChildProcess & { tail?: () => string }).tail?.() ?? "";

// ---------------- one run ----------------

interface Run {
  mode: Mode;
  round: number;
  ok: boolean;
  error?: string;
  nodes: number;
  connections?: number;
  windowS?: number;
  runsPerS?: number;
  eventsPerS?: number;
  p50Ms?: number;
  p99Ms?: number;
  meanMs?: number;
  errors?: number;
  timeouts?: number;
  badRuns?: number;
  disconnects?: number;
  /** Sum over the nodes of their CPU during the window, per completed run. */
  serverCpuUsPerRun?: number;
  serverCpuUsPerRunByNode?: number[];
  /** Busy CPU of the whole machine (all processes, incl. Redis, PostgreSQL and the generator) per run. */
  machineCpuUsPerRun?: number;
  machineBusyPct?: number;
  /** redis-server + postgres processes (shared services: other users of them count too). */
  servicesCpuUsPerRun?: number;
  /** Other processes on the machine during the window, % of one core (noise), and before the run. */
  otherBusyPct?: number;
  otherBusyBeforePct?: number;
  generatorCpuPct?: number;
  rssMBByNode?: number[];
}

let seq = 0;
async function runOnce(mode: Mode, round: number): Promise<Run> {
  const tag = `[${mode} r${round}]`;
  const nodesWanted = mode === "split-2" || mode === "cross-2" ? 2 : 1;
  const base: Run = { mode, round, ok: false, nodes: nodesWanted };
  const r0: Partial<Run> = {};
  const id = `${process.pid}_${++seq}`;
  const dbName = `switchyard_bench_cluster_${id}`;
  const prefix = `swbench-cluster-${id}`;
  const sqliteDir = mode === "sqlite" ? mkdtempSync(join(os.tmpdir(), "switchyard-cluster-bench-")) : null;
  const nodes: Node[] = [];
  let gen: ChildProcess | null = null;
  const cleanup = async () => {
    if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
    else {
      await dropDatabase(dbName).catch((e: unknown) => log(`${tag} drop database ${dbName}: ${String(e)}`));
      await deleteRedisKeys(prefix).catch((e: unknown) => log(`${tag} redis cleanup ${prefix}: ${String(e)}`));
    }
  };
  cleanups.add(cleanup);
  try {
    for (let i = 1; i <= nodesWanted; i++) {
      // One after the other: the first creates the database and applies the schema.
      nodes.push(
        await startNode(
          sqliteDir
            ? { NODE_ID: "bench-sqlite", DATA_DIR: sqliteDir, DATABASE_URL: `file:${join(sqliteDir, "bench.db")}`, REDIS_URL: "" }
            : { NODE_ID: `bench-node-${i}`, DATABASE_URL: `${opts.pgBase}/${dbName}`, REDIS_URL: opts.redisUrl, REDIS_PREFIX: prefix },
        ),
      );
    }
    gen = spawnTs("cluster-generator.ts", { NODE_ENV: "production" });
    await waitFor<FromGenerator, true>(gen, (m) => (m.type === "hello" ? true : undefined), 60_000, "generator start");
    const send = (m: ToClusterGenerator) => gen!.connected && gen!.send(m);
    const plan: ClusterPlan = {
      urls: nodes.map((n) => n.url),
      splitUsers: mode !== "cross-2",
      users: opts.users,
      userPrefix: `bench-${mode}-r${round}-`,
      inflight: opts.inflight,
      connectConcurrency: 50,
      requestTimeoutMs: 15_000,
    };
    const connected = waitFor<FromGenerator, ConnectReport>(
      gen,
      (m) => (m.type === "connected" ? m.report : undefined),
      120_000,
      "connect",
    );
    send({ type: "connect", plan });
    const conn = await connected;
    if (conn.failed) throw new Error(`${conn.failed} connections failed: ${JSON.stringify(conn.failures)}`);
    r0.otherBusyBeforePct = await waitQuiet([process.pid, gen.pid!, ...nodes.map((n) => n.child.pid!)], 30_000);
    send({ type: "start" });
    await sleep(opts.warmupS * 1000);
    const s0 = await Promise.all(nodes.map((n) => n.stats()));
    const m0 = machineBusyUs();
    const svc0 = servicesUs();
    const own0 = process.cpuUsage();
    const t0 = performance.now();
    send({ type: "mark" });
    await sleep(opts.durationS * 1000);
    const stopped = waitFor<FromGenerator, LoadReport>(gen, (m) => (m.type === "stopped" ? m.report : undefined), 30_000, "stop");
    send({ type: "stop" });
    const [rep, s1] = await Promise.all([stopped, Promise.all(nodes.map((n) => n.stats()))]);
    const machineUs = machineBusyUs() - m0;
    const svcUs = servicesUs() - svc0;
    const ownUs = cpuUs(process.cpuUsage(own0));
    const wallS = (performance.now() - t0) / 1000;
    const windowS = rep.windowMs / 1000;
    const h = Histogram.from(rep.latency);
    const perNode = nodes.map((_, i) => cpuUs(s1[i]!.cpu) - cpuUs(s0[i]!.cpu));
    const done = Math.max(1, rep.completed);
    const serverUs = perNode.reduce((a, b) => a + b, 0);
    const r: Run = {
      ...base,
      ...r0,
      ok: rep.completed > 0 && rep.errors === 0 && rep.timeouts === 0 && rep.badRuns === 0,
      connections: conn.opened,
      windowS,
      runsPerS: rep.completed / windowS,
      eventsPerS: rep.events / windowS,
      p50Ms: h.quantileMs(0.5),
      p99Ms: h.quantileMs(0.99),
      meanMs: h.meanMs(),
      errors: rep.errors,
      timeouts: rep.timeouts,
      badRuns: rep.badRuns,
      disconnects: rep.disconnects,
      serverCpuUsPerRun: perNode.reduce((a, b) => a + b, 0) / done,
      serverCpuUsPerRunByNode: perNode.map((u) => u / done),
      machineCpuUsPerRun: machineUs / done,
      machineBusyPct: (machineUs / (wallS * 1e6 * os.cpus().length)) * 100,
      servicesCpuUsPerRun: svcUs / done,
      otherBusyPct: Math.max(0, (machineUs - serverUs - svcUs - cpuUs(rep.cpu) - ownUs) / (wallS * 1e4)),
      generatorCpuPct: (cpuUs(rep.cpu) / (rep.windowMs * 1000)) * 100,
      rssMBByNode: s1.map((s) => s.mem.rss / MB),
    };
    if (!r.ok) r.error = `errors ${rep.errors} ${JSON.stringify(rep.errorCodes)}, timeouts ${rep.timeouts}, bad runs ${rep.badRuns}`;
    log(
      `${tag} ${fmt(r.runsPerS!)} runs/s, ${fmt(r.eventsPerS!)} ev/s, p50 ${r.p50Ms!.toFixed(2)} ms, p99 ${r.p99Ms!.toFixed(2)} ms, ` +
        `server ${fmt(r.serverCpuUsPerRun!)} us/run (${r.serverCpuUsPerRunByNode!.map(fmt).join(" + ")}), Redis+PG ${fmt(r.servicesCpuUsPerRun!)} us/run, machine ${fmt(r.machineCpuUsPerRun!)} us/run ` +
        `(${r.machineBusyPct!.toFixed(0)}% busy, other processes ${r.otherBusyPct!.toFixed(0)}% of a core), RSS ${r.rssMBByNode!.map(fmt).join(" / ")} MB` +
        (r.ok ? "" : `, ${r.error}`),
    );
    return r;
  } catch (err) {
    log(`${tag} FAILED: ${(err as Error).message}`);
    return { ...base, error: (err as Error).message };
  } finally {
    if (gen) await stopChild(gen, 5000);
    await Promise.all(nodes.map((n) => stopChild(n.child, 12_000)));
    await cleanup();
    cleanups.delete(cleanup);
  }
}

// ---------------- report ----------------

interface Summary {
  mode: Mode;
  description: string;
  rounds: number;
  runsPerS: number;
  runsPerSMin: number;
  runsPerSMax: number;
  eventsPerS: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUsPerRun: number;
  machineCpuUsPerRun: number;
  servicesCpuUsPerRun: number;
  otherBusyPct: number;
  rssMBByNode: number[];
  /** Against pg-1 (one node on Redis + PostgreSQL). */
  runsRatio?: number;
  serverCpuRatio?: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function summarize(runs: Run[]): Summary[] {
  const out: Summary[] = [];
  for (const mode of opts.modes) {
    const rs = runs.filter((r) => r.mode === mode && r.runsPerS !== undefined);
    if (!rs.length) continue;
    const nodes = rs[0]!.rssMBByNode!.length;
    out.push({
      mode,
      description: DESCRIBE[mode],
      rounds: rs.length,
      runsPerS: mean(rs.map((r) => r.runsPerS!)),
      runsPerSMin: Math.min(...rs.map((r) => r.runsPerS!)),
      runsPerSMax: Math.max(...rs.map((r) => r.runsPerS!)),
      eventsPerS: mean(rs.map((r) => r.eventsPerS!)),
      p50Ms: mean(rs.map((r) => r.p50Ms!)),
      p99Ms: mean(rs.map((r) => r.p99Ms!)),
      serverCpuUsPerRun: mean(rs.map((r) => r.serverCpuUsPerRun!)),
      machineCpuUsPerRun: mean(rs.map((r) => r.machineCpuUsPerRun!)),
      servicesCpuUsPerRun: mean(rs.map((r) => r.servicesCpuUsPerRun!)),
      otherBusyPct: mean(rs.map((r) => r.otherBusyPct!)),
      rssMBByNode: Array.from({ length: nodes }, (_, i) => Math.max(...rs.map((r) => r.rssMBByNode![i]!))),
    });
  }
  const ref = out.find((s) => s.mode === "pg-1");
  if (ref) {
    for (const s of out) {
      s.runsRatio = s.runsPerS / ref.runsPerS;
      s.serverCpuRatio = s.serverCpuUsPerRun / ref.serverCpuUsPerRun;
    }
  }
  return out;
}

function table(sums: Summary[]): string {
  const head = [
    "mode",
    "runs/s (min-max)",
    "events/s",
    "p50 ms",
    "p99 ms",
    "server CPU us/run",
    "Redis+PG us/run",
    "machine CPU us/run",
    "other load",
    "RSS MB per node",
    "runs/s vs pg-1",
    "CPU/run vs pg-1",
  ];
  const rows = sums.map((s) => [
    s.mode,
    `${fmt(s.runsPerS)} (${fmt(s.runsPerSMin)}-${fmt(s.runsPerSMax)})`,
    fmt(s.eventsPerS),
    s.p50Ms.toFixed(2),
    s.p99Ms.toFixed(2),
    fmt(s.serverCpuUsPerRun),
    fmt(s.servicesCpuUsPerRun),
    fmt(s.machineCpuUsPerRun),
    `${s.otherBusyPct.toFixed(0)}%`,
    s.rssMBByNode.map(fmt).join(" / "),
    s.runsRatio !== undefined ? `${s.runsRatio.toFixed(2)}x` : "-",
    s.serverCpuRatio !== undefined ? `${s.serverCpuRatio.toFixed(2)}x` : "-",
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(" | ") + " |";
  return [
    line(head),
    "|" + w.map((n, i) => (i === 0 ? "-".repeat(n + 2) : "-".repeat(n + 1) + ":")).join("|") + "|",
    ...rows.map(line),
  ].join("\n");
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  const meta = {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "?",
    node: process.version,
    options: { ...opts, pgBase: opts.pgBase.replace(/\/\/[^@/]*@/, "//<user>@") },
  };
  const caveat =
    `This machine has ${cpus.length} cores: the nodes, Redis, PostgreSQL and the load generator all share them, so two nodes ` +
    `cannot show a speed-up here; read the ratios (throughput and CPU per run against one node on Redis + PostgreSQL), not absolute scaling.`;
  log(
    `cluster bench: ${cpus.length} x ${meta.cpuModel}, Node ${process.version}; ${opts.users} users, ${opts.inflight} in flight each; ` +
      `${opts.rounds} rounds of ${opts.durationS} s after ${opts.warmupS} s warm-up`,
  );
  log(caveat);
  const started = performance.now();
  const runs: Run[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const order = round % 2 ? opts.modes : [...opts.modes].reverse();
    for (const mode of order) runs.push(await runOnce(mode, round));
  }
  const summaries = summarize(runs);
  const doc = { meta: { ...meta, wallS: Math.round((performance.now() - started) / 100) / 10, caveat }, summaries, runs };
  if (argv.out) writeFileSync(argv.out, JSON.stringify(doc, null, 2) + "\n");
  const text = [
    "",
    `Golden path, closed loop: ${opts.users} users x ${opts.inflight} in flight, ${opts.rounds} rounds x ${opts.durationS} s (after ${opts.warmupS} s warm-up), modes interleaved.`,
    ...opts.modes.map((m) => `  ${m.padEnd(8)} ${DESCRIBE[m]}`),
    "",
    table(summaries),
    "",
    "runs/s: completed golden-path runs (cross-2: agent_completed seen on both connections); events/s: run events received",
    "by the clients (5 per run per connection); server CPU: sum over the nodes; Redis+PG: the redis-server and postgres",
    "processes; machine CPU: every process on the machine (nodes, Redis, PostgreSQL, generator, anything else);",
    "other load: CPU of unrelated processes during the window (% of one core; noise). RSS: largest at the end of a",
    "window, per node. Mean of the rounds.",
    `NOTE: ${caveat}`,
    `failed runs: ${runs.filter((r) => !r.ok).length} of ${runs.length}; total ${doc.meta.wallS} s`,
  ].join("\n");
  if (argv.json) {
    log(text);
    process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
  } else process.stdout.write(text + "\n");
  process.exitCode = runs.some((r) => !r.ok) ? 1 : 0;
}

main().then(
  () => {
    killAll();
    process.exit();
  },
  (err: unknown) => {
    log(`cluster bench failed: ${(err as Error)?.stack ?? String(err)}`);
    killAll();
    process.exit(1);
  },
);
