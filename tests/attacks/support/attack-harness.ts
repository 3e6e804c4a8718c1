import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { FIGURES_FILE } from "./figures-file";
import { startBystander, type Bystander } from "./bystander";
import { readPeakRss, readRss, resetPeakRss, startNodeProcess, type NodeProcess } from "./node-process";
import { median, percentile } from "./percentiles";
import { RssSampler } from "./rss-sampler";
import { FULL, SCALE } from "./scale";

const MiB = 1024 * 1024;
const WARM_UP_MS = 1_000;
const RECOVERY_MS = 10_000;
/** The bystander's ping p99 during every attack must stay under this (the aim is 50 ms). */
export const P99_BOUND_MS = 100;

/** A node in its own process, its RSS sampled every 250 ms, and a bystander user pinging it every 50 ms. */
export interface AttackBench {
  node: NodeProcess;
  rss: RssSampler;
  bystander: Bystander;
}

/** What one attack may cost the node, in MiB above its RSS baseline. */
export interface RssBounds {
  /** The peak RSS during the attack. */
  peakMiB: number;
  /** The RSS at most 10 s after the attack ended (its clients gone). */
  afterMiB: number;
}

/** One attack's figures, as printed and written to test-results/attacks.jsonl. */
export interface AttackFigures {
  attack: string;
  scale: "reduced" | "full";
  attack_ms: number;
  pings: number;
  failed_pings: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** When the slowest ping was sent, in ms from the attack's start (where in the attack the stall was). */
  max_at_ms: number;
  /** The bystander's p99 in the second before the attack: the machine's own noise. */
  idle_p99_ms: number;
  rss_baseline_mib: number;
  rss_peak_delta_mib: number;
  rss_after_delta_mib: number;
  rss_back_after_ms: number | null;
  /** Whether the RSS was still above its bound halfway through the wait, so a full collection was forced. */
  forced_gc: boolean;
  node_up: boolean;
  health_status: number;
  bystander_connected: boolean;
  bounds: RssBounds & { p99_ms: number };
  /** Whatever the attack itself measured (requests sent, refusals, cuts). */
  detail: Record<string, unknown>;
}

/**
 * Boots a node process with `env`, starts the RSS sampler and the bystander (user "bystander"), runs
 * `body`, and stops everything whatever happens.
 */
export async function withAttackBench<T>(
  env: Record<string, string>,
  body: (bench: AttackBench) => Promise<T>,
  options: { dataDir?: string } = {},
): Promise<T> {
  const node = await startNodeProcess(env, options);
  const rss = new RssSampler(node.pid);
  let bystander: Bystander | undefined;
  try {
    bystander = await startBystander(node.url, node.token("bystander"));
    return await body({ node, rss, bystander });
  } finally {
    bystander?.close();
    rss.stop();
    await node.stop();
  }
}

/**
 * Runs one attack under the bystander's watch: a warm-up, the RSS baseline (median of the last second),
 * then `attack(until)`, which must attack until `until` (epoch ms) and release its clients before it
 * resolves, with whatever it measured; then up to 10 s for the RSS to come back within `bounds.afterMiB`
 * (halfway through, one full collection is forced in the node).
 * Prints one summary line, appends the figures to test-results/attacks.jsonl and returns them.
 */
export async function underAttack(
  bench: AttackBench,
  name: string,
  bounds: RssBounds,
  attack: (until: number) => Promise<Record<string, unknown>>,
): Promise<AttackFigures> {
  const { node, rss, bystander } = bench;
  await sleep(WARM_UP_MS);
  const baseline = median(rss.between(Date.now() - WARM_UP_MS, Date.now())) || (readRss(node.pid) ?? 0);
  resetPeakRss(node.pid);
  const start = Date.now();
  const detail = await attack(start + SCALE.attackMs);
  const end = Date.now();
  const peak = Math.max(readPeakRss(node.pid) ?? 0, ...rss.between(start, end));
  const samples = (await bystander.samples()).map(([sentAt, rtt]): [number, number] => [sentAt, rtt < 0 ? Number.POSITIVE_INFINITY : rtt]);
  const rttsIn = (from: number, to: number) => samples.filter(([sentAt]) => sentAt >= from && sentAt <= to).map(([, rtt]) => rtt);
  const rtts = rttsIn(start, end);

  let after = readRss(node.pid) ?? Number.POSITIVE_INFINITY;
  const recovering = Date.now();
  // Half the wait for the node to give memory back by itself, then one forced full collection: the
  // RSS left after it is memory the node keeps, not garbage V8 had not collected yet.
  let forcedGc = false;
  while (after > baseline + bounds.afterMiB * MiB && Date.now() - recovering < RECOVERY_MS && !node.exited()) {
    if (!forcedGc && Date.now() - recovering >= RECOVERY_MS / 2) {
      forcedGc = true;
      process.kill(node.pid, "SIGUSR2");
    }
    await sleep(RssSampler.INTERVAL_MS);
    after = readRss(node.pid) ?? Number.POSITIVE_INFINITY;
  }
  const backAfter = after <= baseline + bounds.afterMiB * MiB ? Date.now() - recovering : null;
  const health = node.exited() ? 0 : await node.health();

  const figures: AttackFigures = {
    attack: name,
    scale: FULL ? "full" : "reduced",
    attack_ms: end - start,
    pings: rtts.length,
    failed_pings: rtts.filter((r) => r === Number.POSITIVE_INFINITY).length,
    p50_ms: round(percentile(rtts, 50)),
    p99_ms: round(percentile(rtts, 99)),
    max_ms: round(Math.max(...rtts)),
    max_at_ms: slowestAt(samples, start, end),
    idle_p99_ms: round(percentile(rttsIn(start - WARM_UP_MS, start), 99)),
    rss_baseline_mib: round(baseline / MiB),
    rss_peak_delta_mib: round((peak - baseline) / MiB),
    rss_after_delta_mib: round((after - baseline) / MiB),
    rss_back_after_ms: backAfter,
    forced_gc: forcedGc,
    node_up: !node.exited() && health === 200,
    health_status: health,
    bystander_connected: bystander.disconnected() === undefined,
    bounds: { ...bounds, p99_ms: P99_BOUND_MS },
    detail,
  };
  report(figures, node);
  return figures;
}

/**
 * The four guarantees of every attack, as soft assertions (all of them are reported): the node is up
 * (/api/health 200), the bystander kept its connection and its ping p99 stayed under 100 ms, the RSS
 * peak stayed within its bound and the RSS came back near its baseline.
 */
export function expectBystanderUnharmed(f: AttackFigures): void {
  expect.soft(f.node_up, `${f.attack}: the node is up (/api/health 200)`).toBe(true);
  expect.soft(f.bystander_connected, `${f.attack}: the bystander kept its connection`).toBe(true);
  expect.soft(f.pings, `${f.attack}: the bystander pinged during the attack`).toBeGreaterThan(0);
  expect.soft(f.p99_ms, `${f.attack}: bystander ping p99 (ms; failed pings count as infinite)`).toBeLessThan(P99_BOUND_MS);
  expect.soft(f.rss_peak_delta_mib, `${f.attack}: RSS growth during the attack (MiB)`).toBeLessThanOrEqual(f.bounds.peakMiB);
  expect.soft(f.rss_after_delta_mib, `${f.attack}: RSS above baseline 10 s after (MiB)`).toBeLessThanOrEqual(f.bounds.afterMiB);
}

function report(f: AttackFigures, node: NodeProcess): void {
  const line =
    `[attack] ${f.attack} (${f.scale}): bystander p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms (max ${f.max_ms} at +${f.max_at_ms} ms, idle p99 ${f.idle_p99_ms}, ` +
    `${f.pings} pings, ${f.failed_pings} failed); RSS baseline ${f.rss_baseline_mib} MiB, peak +${f.rss_peak_delta_mib} MiB ` +
    `(bound ${f.bounds.peakMiB}), after +${f.rss_after_delta_mib} MiB (bound ${f.bounds.afterMiB}); ` +
    `node ${f.node_up ? "up" : node.exited() ? "EXITED" : `not healthy (/api/health ${f.health_status || "no answer in 5 s"})`}` +
    `; ${JSON.stringify(f.detail, finite)}`;
  console.log(line);
  if (node.exited()) console.log(`[attack] ${f.attack}: the node's stderr ends with:\n${node.stderrTail()}`);
  mkdirSync(join(FIGURES_FILE, ".."), { recursive: true });
  appendFileSync(FIGURES_FILE, `${JSON.stringify({ at: new Date().toISOString(), ...f }, finite)}\n`);
}

/** Two decimals. */
const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : n);

/** JSON has no Infinity: null stands for a figure that failed (a ping never answered, say). */
const finite = (_key: string, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The send time of the slowest ping sent in [start, end], in ms from `start`. */
function slowestAt(samples: [number, number][], start: number, end: number): number {
  let worst: [number, number] | null = null;
  for (const sample of samples) if (sample[0] >= start && sample[0] <= end && (worst === null || sample[1] > worst[1])) worst = sample;
  return worst === null ? -1 : worst[0] - start;
}
