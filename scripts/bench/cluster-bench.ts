// `npm run bench:cluster` (or `npx tsx scripts/bench/cluster-bench.ts`): the closed-loop golden path
// (user_message -> agent_completed, --inflight per user) against Switchyard in four set-ups, each node a
// scripts/bench/switchyard-server.ts child process, the load from scripts/bench/lib/load-generator.ts:
//   sqlite   one node, SQLite, no Redis (the `npm run bench` golden set-up; reference)
//   pg-1     one node with REDIS_URL + PostgreSQL
//   split-2  two nodes on the same Redis + PostgreSQL; half the users on node 1, half on node 2
//   cross-2  two nodes; every user has one connection on each node, sends on node 1, and a run is done
//            when agent_completed reached both connections (the cross-node delivery path)
// Each mode's total server CPU per run (all nodes) is reported against one node (pg-1), with the targets
// of issue 17 (split-2 <= 1.2x, cross-2 <= 1.5x). Modes are interleaved within each round (order reversed on even rounds). Every run gets a fresh
// PostgreSQL database (dropped afterwards) and a unique REDIS_PREFIX (its keys deleted afterwards).
//
//   npx tsx scripts/bench/cluster-bench.ts [--modes sqlite,pg-1,split-2,cross-2] [--duration 8] [--warmup 2]
//        [--rounds 2] [--users 100] [--inflight 1] [--quiet-wait 5] [--pg postgresql://postgres@127.0.0.1:5432]
//        [--redis redis://127.0.0.1:6379] [--json] [--out file]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import pg from "pg";
import { createClient } from "redis";
import { type ClusterRun, cpuPerRunTable, MODE_TABLE_LEGEND, modeTable, summarizeModes } from "./cluster-report";
import { Histogram } from "./histogram";
import { killAllChildren, killChildrenOnExit } from "./lib/child-process";
import { cpuUs, machineCpu, pidCpuUs, servicesCpuUs, waitQuiet } from "./lib/cpu-sampler";
import { type GeneratorHandle, startGenerator } from "./lib/generator-process";
import { fmt, log, MB } from "./lib/progress-log";
import { type ServerHandle, startServer, switchyardEnv } from "./lib/server-process";

/** The set-ups: nodes, storage, and whether every user connects to every node (sending on node 1). */
const MODES = {
  sqlite: { description: "1 node, SQLite, no Redis (reference)", nodes: 1, storage: "sqlite", userOnEveryNode: false },
  "pg-1": { description: "1 node, Redis + PostgreSQL", nodes: 1, storage: "pg", userOnEveryNode: false },
  "split-2": { description: "2 nodes, users split evenly", nodes: 2, storage: "pg", userOnEveryNode: false },
  "cross-2": { description: "2 nodes, each user on both, send on node 1", nodes: 2, storage: "pg", userOnEveryNode: true },
} as const;
type Mode = keyof typeof MODES;
const MODE_NAMES = Object.keys(MODES) as Mode[];

const { values: argv } = parseArgs({
  options: {
    modes: { type: "string", default: MODE_NAMES.join(",") },
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    rounds: { type: "string", default: "2" },
    users: { type: "string", default: "100" },
    inflight: { type: "string", default: "1" },
    "quiet-wait": { type: "string", default: "5" },
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
  quietWaitS: num("quiet-wait", argv["quiet-wait"], 0),
  pgBase: argv.pg.replace(/\/+$/, ""),
  redisUrl: argv.redis,
};
for (const m of opts.modes) {
  if (!MODE_NAMES.includes(m)) {
    process.stderr.write(`unknown mode "${m}" (${MODE_NAMES.join(", ")})\n`);
    process.exit(2);
  }
}

/** Clean-ups of the runs in progress (database, Redis keys), also run on Ctrl-C. */
const cleanups = new Set<() => Promise<void>>();
killChildrenOnExit(
  (sig) => log(`\n${sig}: stopping the bench processes and dropping the bench databases`),
  () => Promise.allSettled([...cleanups].map((f) => f())),
);

/** Drops a run's PostgreSQL database (after ending its connections). */
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

let seq = 0;
/** One run of one mode: fresh nodes and storage, connect, warm up, measure the window, clean up. */
async function runOnce(mode: Mode, round: number): Promise<ClusterRun> {
  const def = MODES[mode];
  const tag = `[${mode} r${round}]`;
  const base: ClusterRun = { mode, round, ok: false, nodes: def.nodes };
  const r0: Partial<ClusterRun> = {};
  const id = `${process.pid}_${++seq}`;
  const dbName = `switchyard_bench_cluster_${id}`;
  const prefix = `swbench-cluster-${id}`;
  const sqliteDir = def.storage === "sqlite" ? mkdtempSync(join(os.tmpdir(), "switchyard-cluster-bench-")) : null;
  const nodes: ServerHandle[] = [];
  let gen: GeneratorHandle | null = null;
  const cleanup = async () => {
    if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
    else {
      await dropDatabase(dbName).catch((e: unknown) => log(`${tag} drop database ${dbName}: ${String(e)}`));
      await deleteRedisKeys(prefix).catch((e: unknown) => log(`${tag} redis cleanup ${prefix}: ${String(e)}`));
    }
  };
  cleanups.add(cleanup);
  try {
    for (let i = 1; i <= def.nodes; i++) {
      // One after the other: the first creates the database and applies the schema.
      const nodeId = sqliteDir ? "bench-sqlite" : `bench-node-${i}`;
      const own = sqliteDir
        ? { NODE_ID: nodeId, DATA_DIR: sqliteDir, DATABASE_URL: `file:${join(sqliteDir, "bench.db")}`, REDIS_URL: "" }
        : { NODE_ID: nodeId, DATABASE_URL: `${opts.pgBase}/${dbName}`, REDIS_URL: opts.redisUrl, REDIS_PREFIX: prefix };
      nodes.push(await startServer({ file: "switchyard-server.ts", env: switchyardEnv(own), name: `node ${nodeId}`, stopGraceMs: 12_000 }));
    }
    gen = await startGenerator(["--expose-gc"]);
    const conn = await gen.connect(
      {
        targets: nodes.map((n) => n.url),
        spread: def.userOnEveryNode ? "connection" : "user",
        sendOn: "first",
        scenario: "golden",
        users: opts.users,
        connsPerUser: def.userOnEveryNode ? nodes.length : 1,
        userPrefix: `bench-${mode}-r${round}-`,
        userOffset: 0,
        inflight: opts.inflight,
        connectConcurrency: 50,
        requestTimeoutMs: 15_000,
      },
      120_000,
    );
    if (conn.failed) throw new Error(`${conn.failed} connections failed: ${JSON.stringify(conn.failures)}`);
    const pids = [process.pid, gen.pid, ...nodes.map((n) => n.pid)];
    // Up to --quiet-wait (5 s) per run for a quieter machine: eight runs must stay inside the bench's 5 minutes.
    r0.otherBusyBeforePct = await waitQuiet({
      maxMs: opts.quietWaitS * 1000,
      sampleMs: 1000,
      oursUs: () => pids.reduce((s, p) => s + pidCpuUs(p), 0) + servicesCpuUs(),
    });
    gen.start();
    await sleep(opts.warmupS * 1000);
    const s0 = await Promise.all(nodes.map((n) => n.stats()));
    const m0 = machineCpu().busyUs;
    const svc0 = servicesCpuUs();
    const own0 = process.cpuUsage();
    const t0 = performance.now();
    gen.mark();
    await sleep(opts.durationS * 1000);
    const [rep, s1] = await Promise.all([gen.stop(), Promise.all(nodes.map((n) => n.stats()))]);
    const machineUs = machineCpu().busyUs - m0;
    const svcUs = servicesCpuUs() - svc0;
    const ownUs = cpuUs(process.cpuUsage(own0));
    const wallS = (performance.now() - t0) / 1000;
    const windowS = rep.windowMs / 1000;
    const h = Histogram.from(rep.latency);
    const perNode = nodes.map((_, i) => cpuUs(s1[i]!.cpu) - cpuUs(s0[i]!.cpu));
    const done = Math.max(1, rep.completed);
    const serverUs = perNode.reduce((a, b) => a + b, 0);
    const r: ClusterRun = {
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
    await gen?.exit();
    await Promise.all(nodes.map((n) => n.stop()));
    await cleanup();
    cleanups.delete(cleanup);
  }
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
  const runs: ClusterRun[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const order = round % 2 ? opts.modes : [...opts.modes].reverse();
    for (const mode of order) runs.push(await runOnce(mode, round));
  }
  const summaries = summarizeModes(
    runs,
    opts.modes.map((m) => ({ name: m, description: MODES[m].description })),
  );
  const doc = { meta: { ...meta, wallS: Math.round((performance.now() - started) / 100) / 10, caveat }, summaries, runs };
  if (argv.out) writeFileSync(argv.out, JSON.stringify(doc, null, 2) + "\n");
  const text = [
    "",
    `Golden path, closed loop: ${opts.users} users x ${opts.inflight} in flight, ${opts.rounds} rounds x ${opts.durationS} s (after ${opts.warmupS} s warm-up), modes interleaved.`,
    ...opts.modes.map((m) => `  ${m.padEnd(8)} ${MODES[m].description}`),
    "",
    modeTable(summaries),
    "",
    "Total server CPU per run against one node (targets of issue 17):",
    cpuPerRunTable(summaries),
    "",
    ...MODE_TABLE_LEGEND,
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
    killAllChildren();
    process.exit();
  },
  (err: unknown) => {
    log(`cluster bench failed: ${(err as Error)?.stack ?? String(err)}`);
    killAllChildren();
    process.exit(1);
  },
);
