// One run of the `traces` scenario (Switchyard only): trace persistence at an offered rate, then
// saturated, and a cross-check of GET /api/stats with an operator token.
import type { StatsSnapshot } from "../../contract/operator-api";
import type { RunContext } from "./bench-options";
import { cpuUs, foreignPct, machineCpu } from "./lib/cpu-sampler";
import { fmt, log, status } from "./lib/progress-log";
import type { RunResult } from "./report";
import { signToken } from "./token";

/** Floods the started node's tracer twice (offered rate, closed loop) and reports rows persisted. */
export async function measureTraces({ tag, base, server, opts }: RunContext): Promise<RunResult> {
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
    if (res.ok) apiStats = (await res.json()) as StatsSnapshot;
  } catch {
    apiStats = null;
  }
  return { ...base, ok: true, floodAtRate: atRate, floodMax: max, apiStats, profile, otherLoadPct };
}
