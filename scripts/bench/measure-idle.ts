// One run of the `idle` scenario: open N sockets from several generators, time the handshakes, and read
// the server's memory after GC before and after (per connection), with its CPU per connection.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { RunContext } from "./bench-options";
import { Histogram } from "./histogram";
import { cpuUs, foreignPct, machineCpu } from "./lib/cpu-sampler";
import { fmt, log, MB, status } from "./lib/progress-log";
import type { RunResult } from "./report";

/** Measures one idle run against the started server: each generator opens its share of `total` sockets. */
export async function measureIdle({ tag, base, server, gens, opts }: RunContext, total: number): Promise<RunResult> {
  await sleep(opts.quick ? 200 : 500);
  const before = await server.stats(true);
  await server.profileStart();
  const m0 = machineCpu();
  const own0 = process.cpuUsage();
  const per = Math.floor(total / gens.length);
  const t0 = performance.now();
  let opening = 0;
  for (const gen of gens) gen.onProgress((m) => (opening += m.completed));
  const ticker = setInterval(
    () => status(`${tag} connecting: ${fmt(opening)}/${fmt(total)} open after ${((performance.now() - t0) / 1000).toFixed(0)} s`),
    1000,
  );
  const reports = await Promise.all(
    gens.map((gen, i) =>
      gen.connect(
        {
          targets: [server.url],
          spread: "user",
          sendOn: "rotate",
          scenario: "idle",
          users: i === gens.length - 1 ? total - per * (gens.length - 1) : per,
          connsPerUser: 1,
          userPrefix: `bench-idle-g${i}-`,
          userOffset: 0,
          inflight: 0,
          connectConcurrency: opts.connectConcurrency,
          requestTimeoutMs: 15_000,
        },
        600_000,
      ),
    ),
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
}
