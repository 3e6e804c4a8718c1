// One run of a closed-loop load scenario (ping, golden, multi): connect the users, warm up, then measure
// a window: throughput, latency, server CPU (all threads and the main thread), ELU, RSS, trace rows.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { RunContext } from "./bench-options";
import { Histogram } from "./histogram";
import { cpuUs, eluBetween, foreignPct, machineCpu } from "./lib/cpu-sampler";
import { type GeneratorHandle, type GeneratorProgress, mergeReports } from "./lib/generator-process";
import { fmt, log, MB, status } from "./lib/progress-log";
import type { LoadScenario } from "./protocol";
import type { RunResult } from "./report";

/** Measures one load run against the started server: `users` with `connsPerUser` sockets each, split between the generators. */
export async function measureLoad(
  { tag, base, server, gens, opts }: RunContext,
  { users, connsPerUser }: { users: number; connsPerUser: number },
): Promise<RunResult> {
  const scenario = base.scenario as LoadScenario;
  const connections = users * connsPerUser;
  // Users are split between the generators; a user's connections stay in one generator.
  const perGen = Math.floor(users / gens.length);
  status(`${tag} connecting ${connections} sockets`);
  const reports = await Promise.all(
    gens.map((gen, i) =>
      gen.connect(
        {
          targets: [server.url],
          spread: "user",
          sendOn: "rotate",
          scenario,
          users: i === gens.length - 1 ? users - perGen * (gens.length - 1) : perGen,
          connsPerUser,
          userPrefix: `bench-${scenario}-`,
          userOffset: perGen * i,
          inflight: opts.inflight,
          connectConcurrency: opts.connectConcurrency,
          requestTimeoutMs: 15_000,
        },
        120_000,
      ),
    ),
  );
  const opened = reports.reduce((a, r) => a + r.opened, 0);
  if (opened < connections) throw new Error(`only ${opened}/${connections} connected: ${JSON.stringify(reports.map((r) => r.failures))}`);

  const perSecond = { completed: 0, events: 0, errors: 0 };
  const latest = new Map<GeneratorHandle, GeneratorProgress>();
  for (const gen of gens) {
    gen.onProgress((m) => {
      latest.set(gen, m);
      perSecond.completed = perSecond.events = perSecond.errors = 0;
      for (const v of latest.values()) {
        perSecond.completed += v.completed;
        perSecond.events += v.events;
        perSecond.errors += v.errors;
      }
    });
  }
  for (const gen of gens) gen.start();
  const warmEnd = performance.now() + opts.warmupS * 1000;
  while (performance.now() < warmEnd) {
    status(`${tag} warming up  ${fmt(perSecond.completed)} req/s  ${fmt(perSecond.events)} ev/s`);
    await sleep(Math.min(500, Math.max(0, warmEnd - performance.now())));
  }
  await server.profileStart();
  const s0 = await server.stats();
  const m0 = machineCpu();
  const own0 = process.cpuUsage();
  for (const gen of gens) gen.mark();
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
  const stopped = gens.map((gen) => gen.stop());
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
    chunksPerS: scenario === "stream" ? report.chunks / windowS : undefined,
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
    // A streamer run can outlast a short window: per chunk delivered is the figure that stays meaningful.
    serverCpuUsPerChunk: scenario === "stream" && report.chunks ? serverCpu / report.chunks : undefined,
    serverCpuPct: (serverCpu / (serverWallMs * 1000)) * 100,
    serverElu: eluBetween(s0.elu, s1.elu),
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
    `${tag} ${fmt(result.throughput!)} req/s, ${fmt(result.eventsPerS!)} ev/s${result.chunksPerS !== undefined ? ` (${fmt(result.chunksPerS)} chunks/s)` : ""}, p50 ${result.p50Ms!.toFixed(2)} ms, p99 ${result.p99Ms!.toFixed(2)} ms, server ${result.serverCpuUsPerReq?.toFixed(1) ?? "-"} us/req (${result.serverCpuPct!.toFixed(0)}% CPU), client ${result.clientCpuPct!.toFixed(0)}% CPU, RSS peak ${fmt(result.serverRssPeakMB!)} MB` +
      (result.tracesPersistedPerS !== undefined
        ? `, traces ${fmt(result.tracesPersistedPerS)}/s persisted (${fmt(result.traceDrops!)} dropped)`
        : "") +
      (result.otherLoadPct! > 20 ? `, other processes ${result.otherLoadPct!.toFixed(0)}% CPU (noisy)` : "") +
      (report.errors || report.timeouts || report.badRuns
        ? `, errors ${report.errors} timeouts ${report.timeouts} bad runs ${report.badRuns}`
        : ""),
  );
  return result;
}
