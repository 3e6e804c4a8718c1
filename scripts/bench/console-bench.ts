// `npm run bench:console`: the console under load (issue 17). One production node with its console
// pages (the `next build` output), 10,000 connected Socket.IO sockets, and paced golden runs so that
// about 5,000 trace events/s flow through the inspector. Each page (`/`, then `/flows`) is open in
// Chromium for the window; its main thread and memory are read through the DevTools protocol:
//   busy      the share of wall time the page's main thread spent in tasks (Performance.getMetrics'
//             TaskDuration over 10 s steps): the mean over the window after a 30 s warm-up, and the worst step
//   heap      the JS heap after a forced full collection, each minute: flat means the last minute's is
//             within 10 % (and 5 MB) of the first's
//   nodes     DOM nodes and event listeners at the same moments (a leak of rows shows here first)
// The target: main thread under half busy, memory flat (five minutes per page by default).
// Limits raised for the bench (switchyardEnv): rate limits, per-user and per-address connection caps,
// as in `npm run bench`, because every socket comes from one address.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium } from "@playwright/test";
import { io, type Socket } from "socket.io-client";
import type { InspectorClientToServer, InspectorServerToClient } from "../../contract";
import { killChildrenOnExit } from "./lib/child-process";
import { startGenerator } from "./lib/generator-process";
import { startServer, switchyardEnv } from "./lib/server-process";
import type { GeneratorPlan } from "./protocol";
import { signToken } from "./token";

const { values: opts } = parseArgs({
  options: {
    minutes: { type: "string", default: "5" },
    sockets: { type: "string", default: "10000" },
    "trace-rate": { type: "string", default: "5000" },
    "active-users": { type: "string", default: "1000" },
    pages: { type: "string", default: "/,/flows" },
    shots: { type: "string", default: "" },
    json: { type: "boolean", default: false },
  },
});
const WINDOW_MS = Number(opts.minutes) * 60_000;
const SOCKETS = Number(opts.sockets);
const TRACE_RATE = Number(opts["trace-rate"]);
const ACTIVE = Math.min(Number(opts["active-users"]), SOCKETS);
const PAGES = opts.pages.split(",").filter(Boolean);
const STEP_MS = 10_000;
const WARMUP_MS = Math.min(30_000, WINDOW_MS / 4);
const root = new URL("../..", import.meta.url).pathname;
const log = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

killChildrenOnExit((sig) => log(`\n${sig}: stopping every bench process`));

if (!existsSync(join(root, ".next/BUILD_ID"))) {
  log("no console build: running next build");
  const build = spawnSync("npx", ["next", "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const dataDir = mkdtempSync(join(tmpdir(), "switchyard-console-bench-"));
const server = await startServer({
  file: "switchyard-server.ts",
  env: switchyardEnv({
    NODE_ID: "bench-console",
    DATA_DIR: dataDir,
    DATABASE_URL: `file:${join(dataDir, "bench.db")}`,
    REDIS_URL: "",
    BENCH_CONSOLE: "1",
  }),
  name: "switchyard",
  stopGraceMs: 15_000,
  onStopped: () => rmSync(dataDir, { recursive: true, force: true }),
});
log(`server ${server.url} (pid ${server.pid})`);

const plan = (o: Partial<GeneratorPlan> & Pick<GeneratorPlan, "scenario" | "users" | "userPrefix" | "inflight">): GeneratorPlan => ({
  targets: [server.url],
  spread: "user",
  sendOn: "first",
  connsPerUser: 1,
  userOffset: 0,
  connectConcurrency: 200,
  requestTimeoutMs: 30_000,
  ...o,
});

/** Counts the trace events an operator's inspector subscriber is offered per second (sent + over its cap). */
const watcher: Socket<InspectorServerToClient, InspectorClientToServer> = io(`${server.url}/inspector`, {
  auth: { token: signToken("bench-console-watcher", "operator") },
  transports: ["websocket"],
});
let traceEvents = 0;
watcher.on("trace", (batch) => (traceEvents += batch.events.length + batch.dropped));

// Calibration: trace events per golden run on this build (a few seconds of a small closed loop).
const probe = await startGenerator();
await probe.connect(plan({ scenario: "golden", users: 20, userPrefix: "bench-console-probe-", inflight: 1 }), 60_000);
probe.start();
await sleep(1000);
probe.mark();
const probeEvents0 = traceEvents;
await sleep(4000);
const probeReport = await probe.stop();
const tracesPerRun = (traceEvents - probeEvents0) / Math.max(1, probeReport.completed);
await sleep(2000); // the probe's runs still in flight end before its sockets close (else they fail as cut off)
await probe.exit();
const runsPerS = TRACE_RATE / tracesPerRun;
const paceMs = Math.round((ACTIVE * 1000) / runsPerS);
log(
  `calibration: ${fmt(tracesPerRun, 1)} trace events per golden run -> ${fmt(runsPerS)} runs/s from ${ACTIVE} users, one every ${paceMs} ms each`,
);

// The sockets: idle users from one generator, the paced active users from another.
const idle = await startGenerator();
const active = await startGenerator();
const t0 = performance.now();
const [idleReport, activeReport] = await Promise.all([
  idle.connect(plan({ scenario: "idle", users: SOCKETS - ACTIVE, userPrefix: "bench-console-idle-", inflight: 0 }), 300_000),
  active.connect(plan({ scenario: "golden", users: ACTIVE, userPrefix: "bench-console-user-", inflight: 1, paceMs }), 120_000),
]);
log(
  `${fmt(idleReport.opened + activeReport.opened)} sockets open in ${fmt((performance.now() - t0) / 1000, 1)} s (${idleReport.failed + activeReport.failed} failed)`,
);
// Completed runs of the active generator, from its per-second progress (counted from here on).
let progressCount = 0;
active.onProgress((p) => (progressCount += p.completed));
active.start();
active.mark();
await sleep(5000);

interface Sample {
  atS: number;
  busy: number;
  script: number;
}
interface MinuteMark {
  atS: number;
  heapMb: number;
  nodes: number;
  listeners: number;
}
interface PageResult {
  path: string;
  busyMean: number;
  busyMax: number;
  scriptMean: number;
  marks: MinuteMark[];
  heapGrowthMb: number;
  flat: boolean;
  traceEventsPerS: number;
  runsPerS: number;
  serverCpuPct: number;
  connections: number;
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const results: PageResult[] = [];
try {
  for (const path of PAGES) results.push(await measurePage(path));
} finally {
  await browser.close();
}
const activeWindow = await active.stop();
watcher.close();
await Promise.all([idle.exit(), active.exit()]);
await server.stop();
report(results, activeWindow.errors + activeWindow.timeouts);

async function measurePage(path: string): Promise<PageResult> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const login = await context.request.post(`${server.url}/api/session`, {
    data: { token: signToken("bench-console-operator", "operator") },
  });
  if (login.status() !== 200) throw new Error(`operator login: ${login.status()} ${await login.text()}`);
  const page = await context.newPage();
  await page.goto(`${server.url}${path}`, { waitUntil: "load" });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  await cdp.send("HeapProfiler.enable");
  const metrics = async () => {
    const { metrics: list } = await cdp.send("Performance.getMetrics");
    return Object.fromEntries(list.map((m) => [m.name, m.value])) as Record<string, number>;
  };
  const minuteMark = async (atS: number): Promise<MinuteMark> => {
    await cdp.send("HeapProfiler.collectGarbage");
    const m = await metrics();
    return { atS, heapMb: (m.JSHeapUsedSize ?? 0) / 2 ** 20, nodes: m.Nodes ?? 0, listeners: m.JSEventListeners ?? 0 };
  };

  log(`${path}: warming up ${WARMUP_MS / 1000} s`);
  await sleep(WARMUP_MS);
  const start = performance.now();
  const server0 = await server.stats();
  const events0 = traceEvents;
  const active0 = progressCount;
  const samples: Sample[] = [];
  const marks: MinuteMark[] = [await minuteMark(0)];
  let prev = await metrics();
  let prevAt = performance.now();
  let prevEvents = traceEvents;
  while (performance.now() - start < WINDOW_MS) {
    await sleep(STEP_MS);
    const now = performance.now();
    const cur = await metrics();
    const wall = (now - prevAt) / 1000;
    samples.push({
      atS: (now - start) / 1000,
      busy: ((cur.TaskDuration ?? 0) - (prev.TaskDuration ?? 0)) / wall,
      script: ((cur.ScriptDuration ?? 0) - (prev.ScriptDuration ?? 0)) / wall,
    });
    const last = samples[samples.length - 1]!;
    const eventsPerS = (traceEvents - prevEvents) / wall;
    prevEvents = traceEvents;
    log(
      `${path} ${fmt(last.atS)} s: main thread ${fmt(last.busy * 100)} % busy (script ${fmt(last.script * 100)} %), ${fmt((cur.JSHeapUsedSize ?? 0) / 2 ** 20, 1)} MB heap, ${fmt(cur.Nodes ?? 0)} nodes; ${fmt(eventsPerS)} trace events/s`,
    );
    // A forced collection each minute (its own time falls in the next step, not this one's figure).
    if (Math.floor((now - start) / 60_000) > marks.length - 1 || now - start >= WINDOW_MS)
      marks.push(await minuteMark((performance.now() - start) / 1000));
    prev = await metrics();
    prevAt = performance.now();
  }
  const elapsedS = (performance.now() - start) / 1000;
  const server1 = await server.stats();
  if (opts.shots) {
    mkdirSync(opts.shots, { recursive: true });
    await page.screenshot({ path: join(opts.shots, `console-under-load${path === "/" ? "-overview" : path.replace(/\//g, "-")}.png`) });
  }
  await context.close();
  // The first minute's mark (the start's in a window of a minute or less) against the last one.
  const first = marks.length > 2 ? marks[1]! : marks[0]!;
  const lastMark = marks[marks.length - 1]!;
  const growth = lastMark.heapMb - first.heapMb;
  const serverCpuUs = server1.cpu.user + server1.cpu.system - (server0.cpu.user + server0.cpu.system);
  return {
    path,
    busyMean: samples.reduce((a, s) => a + s.busy, 0) / Math.max(1, samples.length),
    busyMax: Math.max(...samples.map((s) => s.busy)),
    scriptMean: samples.reduce((a, s) => a + s.script, 0) / Math.max(1, samples.length),
    marks,
    heapGrowthMb: growth,
    flat: growth <= Math.max(5, first.heapMb * 0.1),
    traceEventsPerS: (traceEvents - events0) / elapsedS,
    runsPerS: (progressCount - active0) / elapsedS,
    serverCpuPct: serverCpuUs / 1e4 / elapsedS,
    connections: server1.connections,
  };
}

function report(rows: PageResult[], failedRuns: number): void {
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ sockets: SOCKETS, traceRate: TRACE_RATE, minutes: Number(opts.minutes), tracesPerRun, failedRuns, pages: rows }, null, 2)}\n`,
    );
    return;
  }
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`\n== console under load: ${fmt(SOCKETS)} sockets, ~${fmt(TRACE_RATE)} trace events/s offered, ${opts.minutes} min per page`);
  out(
    "page     | sockets | trace ev/s | runs/s | server CPU | main thread busy: mean / worst 10 s | script | heap after GC, first -> last minute | DOM nodes | met?",
  );
  for (const r of rows) {
    const a = r.marks.length > 2 ? r.marks[1]! : r.marks[0]!;
    const b = r.marks[r.marks.length - 1]!;
    const met = r.busyMean < 0.5 && r.flat;
    out(
      `${r.path.padEnd(8)} | ${fmt(r.connections)} | ${fmt(r.traceEventsPerS)} | ${fmt(r.runsPerS)} | ${fmt(r.serverCpuPct)} % | ${fmt(r.busyMean * 100, 1)} % / ${fmt(r.busyMax * 100, 1)} % | ${fmt(r.scriptMean * 100, 1)} % | ${fmt(a.heapMb, 1)} -> ${fmt(b.heapMb, 1)} MB (${r.heapGrowthMb >= 0 ? "+" : ""}${fmt(r.heapGrowthMb, 1)}) | ${fmt(a.nodes)} -> ${fmt(b.nodes)} | ${met ? "yes" : "no"}`,
    );
  }
  out(`runs that failed or timed out during the windows: ${failedRuns}`);
}
