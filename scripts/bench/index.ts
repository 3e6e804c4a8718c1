// `npm run bench`: drives a raw Socket.IO server (A) and the production Switchyard node (B) with the same
// closed-loop load generator, each in its own process, alternating A B A B, and reports throughput,
// latency p50/p99, server CPU per request, RSS, and the B/A ratios. See docs/performance.md.
//
//   npm run bench -- [--scenario ping|golden|multi|idle|traces|all] [--duration 4] [--rounds 2]
//                    [--connections 100] [--inflight 1] [--users 250] [--idle 10000] [--json]
//                    [--quick] [--profile] [--out results.json]
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Histogram } from "./histogram";
import { signToken } from "./token";
import { type ProfileSummary, summarizeProfile } from "./profile-summary";
import {
  BENCH_SECRET,
  type ConnectReport,
  type FromGenerator,
  type FromServer,
  type GeneratorPlan,
  type LoadReport,
  type LoadScenario,
  type ServerStats,
  type Target,
  type ToGenerator,
  type ToServer,
  type TraceFloodResult,
} from "./protocol";
import { type Meta, renderHeader, renderScenario, type RunResult, type Scenario, summarize } from "./report";

const ROOT = new URL("../..", import.meta.url).pathname;
const HERE = new URL(".", import.meta.url).pathname;
const ALL: Scenario[] = ["ping", "golden", "multi", "idle", "traces"];
const TARGETS: Target[] = ["raw", "switchyard"];

// ---------------- options ----------------

const { values: argv } = parseArgs({
  options: {
    scenario: { type: "string", default: "all" },
    duration: { type: "string" },
    warmup: { type: "string" },
    rounds: { type: "string" },
    connections: { type: "string" },
    inflight: { type: "string" },
    generators: { type: "string" },
    users: { type: "string" },
    idle: { type: "string" },
    "idle-generators": { type: "string" },
    "connect-concurrency": { type: "string" },
    "trace-rate": { type: "string" },
    "quiet-wait": { type: "string" },
    "noisy-retries": { type: "string" },
    "noisy-pct": { type: "string" },
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    "no-persistence": { type: "boolean", default: false },
    out: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  allowPositionals: false,
});

if (argv.help) {
  process.stdout.write(
    [
      "npm run bench -- [options]",
      "  --scenario ping|golden|multi|idle|traces|all   (comma-separated list allowed; default all)",
      "  --duration <s>         measured seconds per run (default 4; --quick 2)",
      "  --warmup <s>           unmeasured seconds before each window (default 1.5; --quick 1)",
      "  --rounds <n>           A B pairs per scenario (default 1.5; --quick 1)",
      "  --connections <n>      connections for ping and golden (default 100)",
      "  --inflight <n>         requests in flight per user (default 1)",
      "  --generators <n>       load generator processes for ping, golden and multi (default 1)",
      "  --users <n>            users for multi, two connections each (default 250; --quick 100)",
      "  --idle <n>             idle connections (default 15000; --quick 1000)",
      "  --idle-generators <n>  generator processes for idle (default: 5000 sockets each, at least 2)",
      "  --connect-concurrency <n>  handshakes in flight per generator while connecting (default 50)",
      "  --trace-rate <n>       offered trace events/s for the persistence test (default 50000)",
      "  --quiet-wait <s>       before each run, wait up to this long for other processes to go quiet (default 5; --quick 0)",
      "  --noisy-retries <n>    repeat a run when other processes used over --noisy-pct (default 40) % of a core during it (default 1; --quick 0)",
      "  --json                 print the results as JSON on stdout, progress on stderr (run it as `npm run -s bench -- --json`: npm prints its banner on stdout)",
      "  --out <file>           also write the JSON results to a file",
      "  --quick                short smoke run of every scenario (about a minute)",
      "  --no-persistence       diagnosis: B runs with its database writes stubbed out (not a valid comparison)",
      "  --profile              CPU-profile each server during the measured window (inspector) and list its hot functions",
      "",
    ].join("\n"),
  );
  process.exit(0);
}

function intOpt(name: string, v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number >= ${min}\n`);
    process.exit(2);
  }
  return n;
}

const quick = argv.quick;
const opts = {
  scenarios: (argv.scenario === "all" ? ALL : argv.scenario.split(",").map((s) => s.trim())) as Scenario[],
  durationS: intOpt("duration", argv.duration, quick ? 2 : 4, 0.5),
  warmupS: intOpt("warmup", argv.warmup, quick ? 1 : 1.5, 0),
  rounds: intOpt("rounds", argv.rounds, quick ? 1 : 2),
  connections: intOpt("connections", argv.connections, 100),
  inflight: intOpt("inflight", argv.inflight, 1),
  generators: intOpt("generators", argv.generators, 1),
  users: intOpt("users", argv.users, quick ? 100 : 250),
  idle: intOpt("idle", argv.idle, quick ? 1000 : 15_000),
  idleGenerators: argv["idle-generators"] ? intOpt("idle-generators", argv["idle-generators"], 2) : 0,
  connectConcurrency: intOpt("connect-concurrency", argv["connect-concurrency"], 50),
  traceRate: intOpt("trace-rate", argv["trace-rate"], 50_000),
  quietWaitS: intOpt("quiet-wait", argv["quiet-wait"], quick ? 0 : 5, 0),
  noisyRetries: intOpt("noisy-retries", argv["noisy-retries"], quick ? 0 : 1, 0),
  noisyPct: intOpt("noisy-pct", argv["noisy-pct"], 40, 0),
  json: argv.json,
  profile: argv.profile,
  noPersistence: argv["no-persistence"],
  quick,
};
for (const s of opts.scenarios) {
  if (!ALL.includes(s)) {
    process.stderr.write(`unknown scenario "${s}" (ping, golden, multi, idle, traces, all)\n`);
    process.exit(2);
  }
}
const idleGenerators = opts.idleGenerators || Math.max(2, Math.ceil(opts.idle / 5000));
if (opts.idle / idleGenerators > 15_000) {
  process.stderr.write(
    `--idle ${opts.idle} over ${idleGenerators} generators exceeds 15,000 sockets per process (open-files limit 20,000)\n`,
  );
  process.exit(2);
}

// ---------------- progress ----------------

const tty = process.stderr.isTTY;
let statusShown = false;
function log(line: string): void {
  if (statusShown) process.stderr.write("\r\x1b[K");
  statusShown = false;
  process.stderr.write(line + "\n");
}
let lastStatusAt = 0;
function status(line: string): void {
  if (tty) {
    process.stderr.write("\r\x1b[K" + line);
    statusShown = true;
  } else if (performance.now() - lastStatusAt > 2500) {
    lastStatusAt = performance.now();
    process.stderr.write(line + "\n");
  }
}
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

// ---------------- child processes ----------------

const children = new Set<ChildProcess>();
function killAll(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    log(`\n${sig}: stopping every bench process`);
    killAll();
    process.exit(130);
  });
}

function spawnTs(file: string, env: NodeJS.ProcessEnv, execArgv: string[] = []): ChildProcess {
  const child = fork(join(HERE, file), [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv: ["--import", "tsx", ...execArgv],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "advanced",
  });
  children.add(child);
  let tail = "";
  child.stderr!.on("data", (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  child.once("exit", () => children.delete(child));
  (child as ChildProcess & { stderrTail: () => string }).stderrTail = () => tail;
  return child;
}

function stderrTail(child: ChildProcess): string {
  return (child as ChildProcess & { stderrTail?: () => string }).stderrTail?.().trim().split("\n").slice(-8).join("\n") ?? "";
}

/** Waits for a message matching `pick`; rejects on timeout, process exit or a reported error. */
function waitMessage<M extends { type: string }, R>(
  child: ChildProcess,
  pick: (m: M) => R | undefined,
  timeoutMs: number,
  what: string,
): Promise<R> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: M) => {
      if (m.type === "error") return done(new Error(`${what}: ${(m as unknown as { message: string }).message}`));
      const r = pick(m);
      if (r !== undefined) done(null, r);
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`${what}: process exited (${signal ?? code}) ${stderrTail(child)}`));
    const timer = setTimeout(
      () => done(new Error(`${what}: no answer within ${Math.round(timeoutMs / 1000)} s ${stderrTail(child)}`)),
      timeoutMs,
    );
    function done(err: Error | null, value?: R) {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(value as R);
    }
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

async function stopChild(child: ChildProcess, message: unknown, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    if (child.connected) child.send(message as object);
  } catch {
    // already gone
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

interface ServerHandle {
  target: Target;
  child: ChildProcess;
  port: number;
  url: string;
  dataDir: string | null;
  profileDir: string | null;
  stats(gc?: boolean): Promise<ServerStats>;
  flood(rate: number, ms: number, warmupMs: number): Promise<TraceFloodResult>;
  /** With --profile: CPU-profiles the server between these two calls (in-process inspector). */
  profileStart(): Promise<void>;
  profileStop(): Promise<ProfileSummary | undefined>;
  stop(): Promise<void>;
}

let requestId = 0;
let profileRoot: string | undefined;

async function startServer(target: Target, profile: boolean): Promise<ServerHandle> {
  const dataDir = target === "switchyard" ? mkdtempSync(join(os.tmpdir(), "switchyard-bench-")) : null;
  const profileDir = profile ? (profileRoot ??= mkdtempSync(join(os.tmpdir(), "switchyard-bench-profiles-"))) : null;
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "production",
    PORT: "0",
    HOST: "127.0.0.1",
    CHECKPOINT_DISABLE: "1",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  if (target === "switchyard") {
    Object.assign(env, {
      AUTH_SECRET: BENCH_SECRET,
      DATA_DIR: dataDir,
      DATABASE_URL: `file:${join(dataDir!, "bench.db")}`,
      LOG_LEVEL: "silent",
      NODE_ID: "bench-switchyard",
      RATE_LIMIT_PER_S: "1000000",
      RATE_LIMIT_BURST: "1000000",
      MAX_CONNECTIONS_PER_USER: "1000000",
      DEMO_TRAFFIC: "0",
      FAULT_INJECTION: "0",
      REDIS_URL: "",
      BENCH_NO_PERSISTENCE: opts.noPersistence ? "1" : "0",
    });
  }
  const execArgv = ["--expose-gc"];
  const child = spawnTs(target === "raw" ? "raw-server.ts" : "switchyard-server.ts", env, execArgv);
  const ready = await waitMessage<FromServer, { port: number }>(
    child,
    (m) => (m.type === "ready" ? m : undefined),
    120_000,
    `${target} server start`,
  );
  const url = `http://127.0.0.1:${ready.port}`;
  return {
    target,
    child,
    port: ready.port,
    url,
    dataDir,
    profileDir,
    stats(gc = false) {
      const id = ++requestId;
      const p = waitMessage<FromServer, ServerStats>(
        child,
        (m) => (m.type === "stats" && m.id === id ? m.stats : undefined),
        30_000,
        `${target} server stats`,
      );
      child.send({ type: "stats", id, gc } satisfies ToServer);
      return p;
    },
    flood(rate, ms, warmupMs) {
      const id = ++requestId;
      const p = waitMessage<FromServer, TraceFloodResult>(
        child,
        (m) => (m.type === "trace-flood" && m.id === id ? m.result : undefined),
        ms + warmupMs + 60_000,
        `${target} trace flood`,
      );
      child.send({ type: "trace-flood", id, rate, ms, warmupMs } satisfies ToServer);
      return p;
    },
    async profileStart() {
      if (!profileDir) return;
      const id = ++requestId;
      const p = waitMessage<FromServer, true>(
        child,
        (m) => (m.type === "profile" && m.id === id ? true : undefined),
        30_000,
        "profile start",
      );
      child.send({ type: "profile-start", id } satisfies ToServer);
      await p;
    },
    async profileStop() {
      if (!profileDir) return undefined;
      const id = ++requestId;
      const p = waitMessage<FromServer, string | null>(
        child,
        (m) => (m.type === "profile" && m.id === id ? m.file : undefined),
        60_000,
        "profile stop",
      );
      child.send({ type: "profile-stop", id, dir: profileDir } satisfies ToServer);
      const file = await p;
      return file ? summarizeProfile(file, 25) : undefined;
    },
    async stop() {
      await stopChild(child, { type: "exit" } satisfies ToServer, 8_000);
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface GeneratorHandle {
  child: ChildProcess;
  send(msg: ToGenerator): void;
  stop(): Promise<void>;
}

async function startGenerator(): Promise<GeneratorHandle> {
  const child = spawnTs("load-generator.ts", { NODE_ENV: "production" });
  await waitMessage<FromGenerator, true>(child, (m) => (m.type === "hello" ? true : undefined), 60_000, "generator start");
  return {
    child,
    send: (msg) => {
      if (child.connected) child.send(msg);
    },
    stop: () => stopChild(child, { type: "exit" } satisfies ToGenerator, 5000),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Machine-wide CPU time (us) from /proc/stat: busy and total, all cores. */
function machineCpu(): { busyUs: number; at: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
    return { busyUs: busy * 10_000, at: performance.now() };
  } catch {
    return { busyUs: 0, at: performance.now() };
  }
}

/** CPU used by other processes on the machine (% of one core) between two readings. */
function foreignPct(a: ReturnType<typeof machineCpu>, b: ReturnType<typeof machineCpu>, oursUs: number): number {
  const wallUs = (b.at - a.at) * 1000;
  if (wallUs <= 0 || a.busyUs === 0) return 0;
  return Math.max(0, ((b.busyUs - a.busyUs - oursUs) / wallUs) * 100);
}

/**
 * Before a run, waits (up to --quiet-wait seconds) until other processes use less than 30% of one core
 * for a whole second: other engineers' builds and tests on a shared 2-core machine skew a run badly.
 */
async function waitQuiet(tag: string): Promise<number> {
  const deadline = performance.now() + opts.quietWaitS * 1000;
  let load = 0;
  for (;;) {
    const own0 = process.cpuUsage();
    const a = machineCpu();
    await sleep(opts.quietWaitS ? 1000 : 200);
    const b = machineCpu();
    load = foreignPct(a, b, cpuUs(process.cpuUsage(own0)));
    if (load < 30 || performance.now() >= deadline) return load;
    status(`${tag} waiting for a quiet machine: other processes use ${load.toFixed(0)}% of a core`);
  }
}
const cpuUs = (c: NodeJS.CpuUsage) => c.user + c.system;
const MB = 1024 * 1024;

function eluBetween(a: ServerStats, b: ServerStats): number {
  const active = b.elu.active - a.elu.active;
  const idle = b.elu.idle - a.elu.idle;
  return active + idle > 0 ? active / (active + idle) : 0;
}

function label(scenario: Scenario, target: Target, round: number): string {
  return `[${scenario} ${round}/${opts.rounds} ${target === "raw" ? "A raw" : "B switchyard"}]`;
}

function describe(scenario: Scenario): string {
  switch (scenario) {
    case "ping":
      return `${opts.connections} connections (one user each), ${opts.inflight} request(s) in flight per connection, ${opts.durationS} s window after ${opts.warmupS} s warm-up`;
    case "golden":
      return `${opts.connections} connections (one user each), ${opts.inflight} run(s) in flight per user, "what is 2+2" (5 run events), thread reused; done when agent_completed arrives`;
    case "multi":
      return `${opts.users} users x 2 connections = ${opts.users * 2} sockets, ${opts.inflight} run(s) in flight per user alternating sockets; done when agent_completed reached both`;
    case "idle":
      return `${fmt(opts.idle)} connections from ${idleGenerators} generator processes, ${opts.connectConcurrency} handshakes in flight per generator; memory after GC, before and after`;
    case "traces":
      return `synthetic trace events through the node's tracer into SQLite: offered at ${fmt(opts.traceRate)}/s, then saturated (closed loop); plus end to end under golden/multi load`;
  }
}

// ---------------- load scenarios ----------------

async function runLoad(scenario: Exclude<LoadScenario, "idle">, target: Target, round: number): Promise<RunResult> {
  const tag = label(scenario, target, round);
  const base: RunResult = { scenario, target, round, ok: false };
  const connsPerUser = scenario === "multi" ? 2 : 1;
  const connections = scenario === "multi" ? opts.users * 2 : opts.connections;
  let server: ServerHandle | null = null;
  const gens: GeneratorHandle[] = [];
  try {
    base.otherLoadBeforePct = await waitQuiet(tag);
    status(`${tag} starting server and ${opts.generators} generator(s)`);
    const [srv, ...g] = await Promise.all([
      startServer(target, opts.profile),
      ...Array.from({ length: opts.generators }, () => startGenerator()),
    ]);
    server = srv;
    gens.push(...g);
    // Users are split between the generators; a user's connections stay in one generator.
    const users = Math.ceil(connections / connsPerUser);
    const perGen = Math.floor(users / gens.length);
    status(`${tag} connecting ${connections} sockets`);
    const reports = await Promise.all(
      gens.map((gen, i) => {
        const myUsers = i === gens.length - 1 ? users - perGen * (gens.length - 1) : perGen;
        const plan: GeneratorPlan = {
          url: server!.url,
          scenario,
          connections: myUsers * connsPerUser,
          connsPerUser,
          userPrefix: `bench-${scenario}-`,
          userOffset: perGen * i,
          inflight: opts.inflight,
          connectConcurrency: opts.connectConcurrency,
          requestTimeoutMs: 15_000,
        };
        const p = waitMessage<FromGenerator, ConnectReport>(
          gen.child,
          (m) => (m.type === "connected" ? m.report : undefined),
          120_000,
          "connect",
        );
        gen.send({ type: "connect", plan });
        return p;
      }),
    );
    const opened = reports.reduce((a, r) => a + r.opened, 0);
    if (opened < connections) throw new Error(`only ${opened}/${connections} connected: ${JSON.stringify(reports.map((r) => r.failures))}`);

    const perSecond = { completed: 0, events: 0, errors: 0 };
    const latest = new Map<GeneratorHandle, typeof perSecond>();
    for (const gen of gens) {
      gen.child.on("message", (m: FromGenerator) => {
        if (m.type !== "progress") return;
        latest.set(gen, m);
        perSecond.completed = perSecond.events = perSecond.errors = 0;
        for (const v of latest.values()) {
          perSecond.completed += v.completed;
          perSecond.events += v.events;
          perSecond.errors += v.errors;
        }
      });
    }
    for (const gen of gens) gen.send({ type: "start" });
    const warmEnd = performance.now() + opts.warmupS * 1000;
    while (performance.now() < warmEnd) {
      status(`${tag} warming up  ${fmt(perSecond.completed)} req/s  ${fmt(perSecond.events)} ev/s`);
      await sleep(Math.min(500, Math.max(0, warmEnd - performance.now())));
    }
    await server.profileStart();
    const s0 = await server.stats();
    const m0 = machineCpu();
    const own0 = process.cpuUsage();
    for (const gen of gens) gen.send({ type: "mark" });
    const t0 = performance.now();
    let peakRss = s0.mem.rss;
    let prev = s0;
    const windowMs = opts.durationS * 1000;
    while (performance.now() - t0 < windowMs) {
      await sleep(Math.min(1000, Math.max(0, windowMs - (performance.now() - t0))));
      const s = await server.stats();
      peakRss = Math.max(peakRss, s.mem.rss);
      const cpuPct = (cpuUs(s.cpu) - cpuUs(prev.cpu)) / Math.max(1, (s.uptimeMs - prev.uptimeMs) * 10);
      prev = s;
      const elapsed = Math.min(opts.durationS, (performance.now() - t0) / 1000);
      status(
        `${tag} ${elapsed.toFixed(0)}/${opts.durationS} s  ${fmt(perSecond.completed)} req/s  ${fmt(perSecond.events)} ev/s  server CPU ${cpuPct.toFixed(0)}%  RSS ${fmt(s.mem.rss / MB)} MB${perSecond.errors ? `  errors ${perSecond.errors}/s` : ""}`,
      );
    }
    const stopped = gens.map((gen) =>
      waitMessage<FromGenerator, LoadReport>(gen.child, (m) => (m.type === "stopped" ? m.report : undefined), 30_000, "stop"),
    );
    for (const gen of gens) gen.send({ type: "stop" });
    const [s1, ...parts] = await Promise.all([server.stats(), ...stopped]);
    const m1 = machineCpu();
    const ownUs = cpuUs(process.cpuUsage(own0));
    const profile = await server.profileStop();
    peakRss = Math.max(peakRss, s1.mem.rss);
    const report = mergeReports(parts);
    const windowS = report.windowMs / 1000;
    const serverCpu = cpuUs(s1.cpu) - cpuUs(s0.cpu);
    const serverWallMs = s1.uptimeMs - s0.uptimeMs;
    const h = Histogram.from(report.latency);
    const result: RunResult = {
      ...base,
      ok: true,
      windowS,
      connections: opened,
      throughput: report.completed / windowS,
      eventsPerS: report.events / windowS,
      p50Ms: h.quantileMs(0.5),
      p99Ms: h.quantileMs(0.99),
      meanMs: h.meanMs(),
      maxMs: h.maxUs / 1000,
      errors: report.errors,
      errorCodes: report.errorCodes,
      timeouts: report.timeouts,
      badRuns: report.badRuns,
      disconnects: report.disconnects,
      serverCpuUsPerReq: report.completed ? serverCpu / report.completed : undefined,
      serverMainCpuUsPerReq: report.completed ? (s1.mainCpuUs - s0.mainCpuUs) / report.completed : undefined,
      serverCpuPct: (serverCpu / (serverWallMs * 1000)) * 100,
      serverElu: eluBetween(s0, s1),
      clientCpuPct: (cpuUs(report.cpu) / (report.windowMs * 1000)) * 100,
      serverRssMB: s1.mem.rss / MB,
      serverRssPeakMB: peakRss / MB,
      serverHeapMB: s1.mem.heapUsed / MB,
      otherLoadPct: foreignPct(m0, m1, cpuUs(s1.cpu) - cpuUs(s0.cpu) + cpuUs(report.cpu) + ownUs),
      profile,
    };
    if (s0.traces && s1.traces) {
      const written = s1.traces.written - s0.traces.written;
      const dropped = s1.traces.dropped - s0.traces.dropped;
      const queuedDelta = s1.traces.queued - s0.traces.queued;
      result.tracesPersistedPerS = written / windowS;
      result.tracesRecordedPerS = (written + dropped + queuedDelta) / windowS;
      result.traceDrops = dropped;
      result.traceQueueEnd = s1.traces.queued;
    }
    log(
      `${tag} ${fmt(result.throughput!)} req/s, ${fmt(result.eventsPerS!)} ev/s, p50 ${result.p50Ms!.toFixed(2)} ms, p99 ${result.p99Ms!.toFixed(2)} ms, server ${result.serverCpuUsPerReq?.toFixed(1) ?? "-"} us/req (${result.serverCpuPct!.toFixed(0)}% CPU), client ${result.clientCpuPct!.toFixed(0)}% CPU, RSS peak ${fmt(result.serverRssPeakMB!)} MB` +
        (result.tracesPersistedPerS !== undefined
          ? `, traces ${fmt(result.tracesPersistedPerS)}/s persisted (${fmt(result.traceDrops!)} dropped)`
          : "") +
        (result.otherLoadPct! > 20 ? `, other processes ${result.otherLoadPct!.toFixed(0)}% CPU (noisy)` : "") +
        (report.errors || report.timeouts || report.badRuns
          ? `, errors ${report.errors} timeouts ${report.timeouts} bad runs ${report.badRuns}`
          : ""),
    );
    return result;
  } catch (err) {
    log(`${tag} FAILED: ${(err as Error).message}`);
    return { ...base, error: (err as Error).message };
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
    await server?.stop();
  }
}

/** Sums the generators' reports (the window is the longest one; latencies merge). */
function mergeReports(parts: LoadReport[]): LoadReport {
  const h = new Histogram();
  const out: LoadReport = {
    windowMs: Math.max(...parts.map((p) => p.windowMs)),
    completed: 0,
    events: 0,
    errors: 0,
    errorCodes: {},
    timeouts: 0,
    badRuns: 0,
    latency: h.toJSON(),
    cpu: { user: 0, system: 0 },
    rssBytes: 0,
    disconnects: 0,
  };
  for (const p of parts) {
    out.completed += p.completed;
    out.events += p.events;
    out.errors += p.errors;
    out.timeouts += p.timeouts;
    out.badRuns += p.badRuns;
    out.disconnects += p.disconnects;
    out.cpu.user += p.cpu.user;
    out.cpu.system += p.cpu.system;
    out.rssBytes += p.rssBytes;
    for (const [k, v] of Object.entries(p.errorCodes)) out.errorCodes[k] = (out.errorCodes[k] ?? 0) + v;
    h.merge(p.latency);
  }
  out.latency = h.toJSON();
  return out;
}

// ---------------- idle connections ----------------

async function runIdle(target: Target, round: number): Promise<RunResult> {
  const tag = label("idle", target, round);
  const base: RunResult = { scenario: "idle", target, round, ok: false };
  let server: ServerHandle | null = null;
  const gens: GeneratorHandle[] = [];
  try {
    base.otherLoadBeforePct = await waitQuiet(tag);
    status(`${tag} starting server and ${idleGenerators} generators`);
    const [srv, ...g] = await Promise.all([
      startServer(target, opts.profile),
      ...Array.from({ length: idleGenerators }, () => startGenerator()),
    ]);
    server = srv;
    gens.push(...g);
    await sleep(opts.quick ? 200 : 500);
    const before = await server.stats(true);
    await server.profileStart();
    const m0 = machineCpu();
    const own0 = process.cpuUsage();
    const per = Math.floor(opts.idle / idleGenerators);
    const t0 = performance.now();
    let opening = 0;
    for (const gen of gens) {
      gen.child.on("message", (m: FromGenerator) => {
        if (m.type === "progress") opening += m.completed;
      });
    }
    const ticker = setInterval(
      () => status(`${tag} connecting: ${fmt(opening)}/${fmt(opts.idle)} open after ${((performance.now() - t0) / 1000).toFixed(0)} s`),
      1000,
    );
    const reports = await Promise.all(
      gens.map((gen, i) => {
        const n = i === gens.length - 1 ? opts.idle - per * (gens.length - 1) : per;
        const p = waitMessage<FromGenerator, ConnectReport>(
          gen.child,
          (m) => (m.type === "connected" ? m.report : undefined),
          600_000,
          "connect",
        );
        gen.send({
          type: "connect",
          plan: {
            url: server!.url,
            scenario: "idle",
            connections: n,
            connsPerUser: 1,
            userPrefix: `bench-idle-g${i}-`,
            userOffset: 0,
            inflight: 0,
            connectConcurrency: opts.connectConcurrency,
            requestTimeoutMs: 15_000,
          },
        });
        return p;
      }),
    );
    // Generators sign their tokens first and time the connections alone; the slowest one is the wall time.
    clearInterval(ticker);
    const connectedStats = await server.stats();
    const m1 = machineCpu();
    const oursUs =
      cpuUs(connectedStats.cpu) - cpuUs(before.cpu) + reports.reduce((a, r) => a + cpuUs(r.cpu), 0) + cpuUs(process.cpuUsage(own0));
    const wallMs = Math.min(performance.now() - t0, Math.max(...reports.map((r) => r.wallMs)));
    const profile = await server.profileStop();
    const opened = reports.reduce((a, r) => a + r.opened, 0);
    const failed = reports.reduce((a, r) => a + r.failed, 0);
    const failures: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
    const lat = new Histogram();
    for (const r of reports) lat.merge(r.latency);
    status(`${tag} ${fmt(opened)} open; settling before the memory reading`);
    await sleep(opts.quick ? 500 : 1500);
    const after = await server.stats(true);
    const n = Math.max(1, opened);
    const result: RunResult = {
      ...base,
      ok: failed === 0,
      error: failed ? `${failed} connections failed: ${JSON.stringify(failures)}` : undefined,
      opened,
      failed,
      failures,
      connectWallS: wallMs / 1000,
      connectsPerS: opened / (wallMs / 1000),
      connectP50Ms: lat.quantileMs(0.5),
      connectP99Ms: lat.quantileMs(0.99),
      rssPerConnKB: (after.mem.rss - before.mem.rss) / n / 1024,
      heapPerConnKB: (after.mem.heapUsed - before.mem.heapUsed) / n / 1024,
      externalPerConnKB: (after.mem.external + after.mem.arrayBuffers - before.mem.external - before.mem.arrayBuffers) / n / 1024,
      serverCpuUsPerConn: (cpuUs(after.cpu) - cpuUs(before.cpu)) / n,
      clientCpuPct: (reports.reduce((a, r) => a + cpuUs(r.cpu), 0) / (wallMs * 1000)) * 100,
      serverRssMB: after.mem.rss / MB,
      serverHeapMB: after.mem.heapUsed / MB,
      serverConnections: after.connections,
      otherLoadPct: foreignPct(m0, m1, oursUs),
      profile,
    };
    if (after.connections !== opened) result.error = `server counts ${after.connections} connections, generators ${opened}`;
    log(
      `${tag} ${fmt(opened)} connections in ${result.connectWallS!.toFixed(2)} s (${fmt(result.connectsPerS!)}/s, handshake p50 ${result.connectP50Ms!.toFixed(1)} ms p99 ${result.connectP99Ms!.toFixed(1)} ms), ` +
        `${result.rssPerConnKB!.toFixed(1)} KB RSS + ${result.heapPerConnKB!.toFixed(1)} KB heap per connection, ${fmt(result.serverCpuUsPerConn!)} us CPU per connection` +
        (failed ? `, ${failed} FAILED ${JSON.stringify(failures)}` : ""),
    );
    return result;
  } catch (err) {
    log(`${tag} FAILED: ${(err as Error).message}`);
    return { ...base, error: (err as Error).message };
  } finally {
    await Promise.all(gens.map((g) => g.stop()));
    await server?.stop();
  }
}

// ---------------- trace persistence ----------------

async function runTraces(round: number): Promise<RunResult> {
  const tag = label("traces", "switchyard", round);
  const base: RunResult = { scenario: "traces", target: "switchyard", round, ok: false };
  let server: ServerHandle | null = null;
  try {
    base.otherLoadBeforePct = await waitQuiet(tag);
    status(`${tag} starting server`);
    server = await startServer("switchyard", opts.profile);
    const ms = opts.durationS * 1000;
    const warm = Math.min(2000, opts.warmupS * 1000);
    status(`${tag} offering ${fmt(opts.traceRate)} trace events/s for ${opts.durationS} s`);
    await server.profileStart();
    const s0 = await server.stats();
    const m0 = machineCpu();
    const own0 = process.cpuUsage();
    const atRate = await server.flood(opts.traceRate, ms, warm);
    log(
      `${tag} offered ${fmt(atRate.offeredPerS)}/s: persisted ${fmt(atRate.persistedPerS)}/s, dropped ${fmt(atRate.dropped)}, max queued ${fmt(atRate.maxQueued)}, drained in ${fmt(atRate.drainMs)} ms, ${atRate.cpuUsPerTrace.toFixed(2)} us CPU per trace (main thread ${atRate.mainCpuUsPerTrace.toFixed(2)})`,
    );
    status(`${tag} saturating the trace pipeline for ${opts.durationS} s`);
    const max = await server.flood(0, ms, warm);
    const s1 = await server.stats();
    const otherLoadPct = foreignPct(m0, machineCpu(), cpuUs(s1.cpu) - cpuUs(s0.cpu) + cpuUs(process.cpuUsage(own0)));
    const profile = await server.profileStop();
    log(
      `${tag} saturated: persisted ${fmt(max.persistedPerS)}/s, dropped ${fmt(max.dropped)}, ${max.cpuUsPerTrace.toFixed(2)} us CPU per trace (main thread ${max.mainCpuUsPerTrace.toFixed(2)})`,
    );
    // Cross-check the public surface: GET /api/stats with an operator token.
    let apiStats: RunResult["apiStats"] = null;
    try {
      const token = signToken("bench-operator", "operator", 600);
      const res = await fetch(`${server.url}/api/stats`, { headers: { Authorization: `Bearer ${token}` } });
      if (res.ok) apiStats = (await res.json()) as { traces_persisted: number; trace_drops: number };
    } catch {
      apiStats = null;
    }
    return { ...base, ok: true, floodAtRate: atRate, floodMax: max, apiStats, profile, otherLoadPct };
  } catch (err) {
    log(`${tag} FAILED: ${(err as Error).message}`);
    return { ...base, error: (err as Error).message };
  } finally {
    await server?.stop();
  }
}

// ---------------- main ----------------

function machine(): Meta {
  const cpus = os.cpus();
  let socketIo = "?";
  try {
    socketIo = (JSON.parse(readFileSync(join(ROOT, "node_modules/socket.io/package.json"), "utf8")) as { version: string }).version;
  } catch {
    // keep "?"
  }
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "?",
    memGB: Math.round(os.totalmem() / 1024 ** 3),
    kernel: os.release(),
    node: process.version,
    socketIo,
    options: {
      scenarios: opts.scenarios,
      durationS: opts.durationS,
      warmupS: opts.warmupS,
      rounds: opts.rounds,
      connections: opts.connections,
      inflight: opts.inflight,
      generators: opts.generators,
      users: opts.users,
      idle: opts.idle,
      idleGenerators,
      connectConcurrency: opts.connectConcurrency,
      traceRate: opts.traceRate,
      profile: opts.profile,
      noPersistence: opts.noPersistence,
      quick: opts.quick,
      quietWaitS: opts.quietWaitS,
      noisyRetries: opts.noisyRetries,
      noisyPct: opts.noisyPct,
    },
  };
}

/**
 * Runs again (up to --noisy-retries times) when other processes used more than --noisy-pct of a core
 * during the measured window, and keeps the quietest attempt.
 */
async function repeatIfNoisy(run: () => Promise<RunResult>): Promise<RunResult> {
  let best = await run();
  for (let i = 0; i < opts.noisyRetries && best.ok && (best.otherLoadPct ?? 0) > opts.noisyPct; i++) {
    log(
      `   other processes used ${best.otherLoadPct!.toFixed(0)}% of a core during that run: repeating it (${i + 1}/${opts.noisyRetries})`,
    );
    const again = await run();
    const attempts = (best.attempts ?? 1) + 1;
    if (again.ok && (again.otherLoadPct ?? 0) < (best.otherLoadPct ?? 0)) best = again;
    best.attempts = attempts;
  }
  return best;
}

async function main(): Promise<void> {
  const meta = machine();
  const started = performance.now();
  log(renderHeader(meta));
  const runs: RunResult[] = [];
  for (const scenario of opts.scenarios) {
    log(`\n-- ${scenario}: ${describe(scenario)}`);
    for (let round = 1; round <= opts.rounds; round++) {
      if (scenario === "traces") {
        runs.push(await repeatIfNoisy(() => runTraces(round)));
        continue;
      }
      for (const target of TARGETS) {
        runs.push(await repeatIfNoisy(() => (scenario === "idle" ? runIdle(target, round) : runLoad(scenario, target, round))));
      }
    }
  }
  meta.wallS = Math.round((performance.now() - started) / 100) / 10;
  const summaries = Object.fromEntries(opts.scenarios.filter((s) => s !== "traces").map((s) => [s, summarize(runs, s)]));
  const doc = { meta, summaries, runs };
  if (argv.out) writeFileSync(argv.out, JSON.stringify(doc, null, 2) + "\n");
  const text = [
    "",
    renderHeader(meta),
    ...opts.scenarios.map((s) => "\n" + renderScenario(s, runs, describe(s))),
    "",
    `total ${meta.wallS} s`,
  ].join("\n");
  if (opts.json) {
    log(text);
    process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
  } else {
    process.stdout.write(text + "\n");
  }
  const failed = runs.filter((r) => !r.ok).length;
  process.exitCode = failed ? 1 : 0;
}

main().then(
  () => {
    killAll();
    process.exit();
  },
  (err: unknown) => {
    log(`bench failed: ${(err as Error)?.stack ?? String(err)}`);
    killAll();
    process.exit(1);
  },
);
