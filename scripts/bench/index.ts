// `npm run bench`: drives a raw Socket.IO server (A) and the production Switchyard node (B) with the same
// closed-loop load generator, each in its own process, alternating A B A B, and reports throughput,
// latency p50/p99, server CPU per request, RSS, and the B/A ratios. See docs/performance.md.
//
//   npm run bench -- [--scenario ping|golden|multi|stream|idle|traces|all] [--duration 4] [--rounds 2]
//                    [--connections 100] [--inflight 1] [--users 250] [--idle 10000] [--json]
//                    [--quick] [--profile] [--out results.json]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type BenchOptions, parseBenchOptions, type RunContext } from "./bench-options";
import { killAllChildren, killChildrenOnExit } from "./lib/child-process";
import { cpuUs, waitQuiet } from "./lib/cpu-sampler";
import { type GeneratorHandle, startGenerator } from "./lib/generator-process";
import { fmt, log, status } from "./lib/progress-log";
import { rawServerEnv, type ServerHandle, startServer, switchyardEnv } from "./lib/server-process";
import { measureIdle } from "./measure-idle";
import { measureLoad } from "./measure-load";
import { measureTraces } from "./measure-traces";
import type { Target } from "./protocol";
import { type Meta, renderHeader, renderScenario, type RunResult, type Scenario, summarize } from "./report";

const ROOT = new URL("../..", import.meta.url).pathname;
const BOTH: Target[] = ["raw", "switchyard"];

/** One scenario: the servers it runs against (A then B), its generator processes, what it measures with which users. */
interface ScenarioDef {
  name: Scenario;
  targets: Target[];
  generators: number;
  measure: (run: RunContext) => Promise<RunResult>;
  /** The line under the scenario's title. */
  describe: string;
}

const scenarios = (o: BenchOptions): ScenarioDef[] => [
  {
    name: "ping",
    targets: BOTH,
    generators: o.generators,
    measure: (run) => measureLoad(run, { users: o.connections, connsPerUser: 1 }),
    describe: `${o.connections} connections (one user each), ${o.inflight} request(s) in flight per connection, ${o.durationS} s window after ${o.warmupS} s warm-up`,
  },
  {
    name: "golden",
    targets: BOTH,
    generators: o.generators,
    measure: (run) => measureLoad(run, { users: o.connections, connsPerUser: 1 }),
    describe: `${o.connections} connections (one user each), ${o.inflight} run(s) in flight per user, "what is 2+2" (5 run events), thread reused; done when agent_completed arrives`,
  },
  {
    name: "multi",
    targets: BOTH,
    generators: o.generators,
    measure: (run) => measureLoad(run, { users: o.users, connsPerUser: 2 }),
    describe: `${o.users} users x 2 connections = ${o.users * 2} sockets, ${o.inflight} run(s) in flight per user alternating sockets; done when agent_completed reached both`,
  },
  {
    name: "stream",
    targets: BOTH,
    generators: o.generators,
    measure: (run) => measureLoad(run, { users: o.connections, connsPerUser: 1 }),
    describe: `${o.connections} connections (one user each), ${o.inflight} streamer run(s) in flight per user (34 agent_response_chunk + 8 other run events), a new thread per run; done when agent_completed arrives`,
  },
  {
    name: "idle",
    targets: BOTH,
    generators: o.idleGenerators,
    measure: (run) => measureIdle(run, o.idle),
    describe: `${fmt(o.idle)} connections from ${o.idleGenerators} generator processes, ${o.connectConcurrency} handshakes in flight per generator; memory after GC, before and after`,
  },
  {
    name: "traces",
    targets: ["switchyard"],
    generators: 0,
    measure: measureTraces,
    describe: `synthetic trace events through the node's tracer into SQLite: offered at ${fmt(o.traceRate)}/s, then saturated (closed loop); plus end to end under golden/multi load`,
  },
];

const opts = parseBenchOptions(["ping", "golden", "multi", "stream", "idle", "traces"]);
const TABLE = new Map(scenarios(opts).map((s) => [s.name, s]));
killChildrenOnExit((sig) => log(`\n${sig}: stopping every bench process`));

// ---------------- the runner ----------------

let profileRoot: string | undefined;

/** Starts A or B in a fresh process (B on a fresh SQLite file, removed when it stops). */
async function startTarget(target: Target): Promise<ServerHandle> {
  const profileDir = opts.profile ? (profileRoot ??= mkdtempSync(join(os.tmpdir(), "switchyard-bench-profiles-"))) : null;
  if (target === "raw") return startServer({ file: "raw-server.ts", env: rawServerEnv(), name: "raw", profileDir, stopGraceMs: 8_000 });
  const dataDir = mkdtempSync(join(os.tmpdir(), "switchyard-bench-"));
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  const env = switchyardEnv({
    NODE_ID: "bench-switchyard",
    DATA_DIR: dataDir,
    DATABASE_URL: `file:${join(dataDir, "bench.db")}`,
    REDIS_URL: "",
    BENCH_NO_PERSISTENCE: opts.noPersistence ? "1" : "0",
  });
  return startServer({
    file: "switchyard-server.ts",
    env,
    name: "switchyard",
    profileDir,
    stopGraceMs: 8_000,
    onStopped: removeData,
  }).catch((err: unknown) => {
    removeData();
    throw err;
  });
}

/** One run: wait for a quiet machine, start the server and generators, measure, stop everything. */
async function runOnce(def: ScenarioDef, target: Target, round: number): Promise<RunResult> {
  const tag = `[${def.name} ${round}/${opts.rounds} ${target === "raw" ? "A raw" : "B switchyard"}]`;
  const base: RunResult = { scenario: def.name, target, round, ok: false };
  let server: ServerHandle | null = null;
  const gens: GeneratorHandle[] = [];
  try {
    base.otherLoadBeforePct = await waitQuiet({
      maxMs: opts.quietWaitS * 1000,
      sampleMs: opts.quietWaitS ? 1000 : 200,
      oursUs: () => cpuUs(process.cpuUsage()),
      onBusy: (pct) => status(`${tag} waiting for a quiet machine: other processes use ${pct.toFixed(0)}% of a core`),
    });
    const n = def.generators;
    status(`${tag} starting server${n ? ` and ${n} ${def.name === "idle" ? "generators" : "generator(s)"}` : ""}`);
    const [srv, ...g] = await Promise.all([startTarget(target), ...Array.from({ length: n }, () => startGenerator())]);
    server = srv;
    gens.push(...g);
    return await def.measure({ tag, base, server, gens, opts });
  } catch (err) {
    log(`${tag} FAILED: ${(err as Error).message}`);
    return { ...base, error: (err as Error).message };
  } finally {
    await Promise.all(gens.map((g) => g.exit()));
    await server?.stop();
  }
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
      idleGenerators: opts.idleGenerators,
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

async function main(): Promise<void> {
  const meta = machine();
  const started = performance.now();
  log(renderHeader(meta));
  const runs: RunResult[] = [];
  for (const name of opts.scenarios) {
    const def = TABLE.get(name)!;
    log(`\n-- ${name}: ${def.describe}`);
    for (let round = 1; round <= opts.rounds; round++) {
      for (const target of def.targets) runs.push(await repeatIfNoisy(() => runOnce(def, target, round)));
    }
  }
  meta.wallS = Math.round((performance.now() - started) / 100) / 10;
  const summaries = Object.fromEntries(opts.scenarios.filter((s) => s !== "traces").map((s) => [s, summarize(runs, s)]));
  const doc = { meta, summaries, runs };
  if (opts.out) writeFileSync(opts.out, JSON.stringify(doc, null, 2) + "\n");
  const text = [
    "",
    renderHeader(meta),
    ...opts.scenarios.map((s) => "\n" + renderScenario(s, runs, TABLE.get(s)!.describe)),
    "",
    `total ${meta.wallS} s`,
  ].join("\n");
  if (opts.json) {
    log(text);
    process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
  } else {
    process.stdout.write(text + "\n");
  }
  process.exitCode = runs.some((r) => !r.ok) ? 1 : 0;
}

main().then(
  () => {
    killAllChildren();
    process.exit();
  },
  (err: unknown) => {
    log(`bench failed: ${(err as Error)?.stack ?? String(err)}`);
    killAllChildren();
    process.exit(1);
  },
);
