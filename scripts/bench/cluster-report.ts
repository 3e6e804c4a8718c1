// Results of `npm run bench:cluster`: one record per run, the per-mode medians over the rounds with the
// ratios against pg-1, the server CPU per run against its targets, and the printed table with its legend.
import { fmt } from "./lib/progress-log";

/** One measured run of one mode. */
export interface ClusterRun {
  mode: string;
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

/** One mode's figures: medians over its rounds, and ratios against pg-1. */
export interface ModeSummary {
  mode: string;
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
  /** Server CPU per run, each round (all nodes together). */
  serverCpuUsPerRunByRound: number[];
}

/** The issue's bounds on total server CPU per run against one node (pg-1). */
export const CPU_TARGETS: Record<string, number> = { "split-2": 1.2, "cross-2": 1.5 };

/** The median (of two rounds: their mean). */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Medians of the measured runs of each mode, in the order of `modes`, with ratios against pg-1 when it ran. */
export function summarizeModes(runs: ClusterRun[], modes: { name: string; description: string }[]): ModeSummary[] {
  const out: ModeSummary[] = [];
  for (const { name: mode, description } of modes) {
    const rs = runs.filter((r) => r.mode === mode && r.runsPerS !== undefined);
    if (!rs.length) continue;
    const nodes = rs[0]!.rssMBByNode!.length;
    out.push({
      mode,
      description,
      rounds: rs.length,
      runsPerS: median(rs.map((r) => r.runsPerS!)),
      runsPerSMin: Math.min(...rs.map((r) => r.runsPerS!)),
      runsPerSMax: Math.max(...rs.map((r) => r.runsPerS!)),
      eventsPerS: median(rs.map((r) => r.eventsPerS!)),
      p50Ms: median(rs.map((r) => r.p50Ms!)),
      p99Ms: median(rs.map((r) => r.p99Ms!)),
      serverCpuUsPerRun: median(rs.map((r) => r.serverCpuUsPerRun!)),
      serverCpuUsPerRunByRound: rs.map((r) => r.serverCpuUsPerRun!),
      machineCpuUsPerRun: median(rs.map((r) => r.machineCpuUsPerRun!)),
      servicesCpuUsPerRun: median(rs.map((r) => r.servicesCpuUsPerRun!)),
      otherBusyPct: median(rs.map((r) => r.otherBusyPct!)),
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

/** The results as a Markdown table, one row per mode. */
export function modeTable(sums: ModeSummary[]): string {
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

/** Total server CPU per run of one node, two nodes split and two nodes shared, with the ratios to one node and the targets. */
export function cpuPerRunTable(sums: ModeSummary[]): string {
  const ref = sums.find((s) => s.mode === "pg-1");
  const lines = ["| set-up | server CPU per run, all nodes (each round) | vs one node (pg-1) | target | met? |", "|---|--:|--:|--:|---|"];
  for (const s of sums) {
    if (s.mode === "sqlite") continue;
    const target = CPU_TARGETS[s.mode];
    const ratio = ref ? s.serverCpuUsPerRun / ref.serverCpuUsPerRun : undefined;
    lines.push(
      `| ${s.mode} | ${fmt(s.serverCpuUsPerRun)} us (${s.serverCpuUsPerRunByRound.map(fmt).join(", ")}) | ` +
        `${ratio !== undefined ? `${ratio.toFixed(2)}x` : "-"} | ${target ? `<= ${target}x` : "-"} | ` +
        `${target && ratio !== undefined ? (ratio <= target ? "yes" : "no") : "-"} |`,
    );
  }
  return lines.join("\n");
}

/** What the columns mean, printed under the table. */
export const MODE_TABLE_LEGEND = [
  "runs/s: completed golden-path runs (cross-2: agent_completed seen on both connections); events/s: run events received",
  "by the clients (5 per run per connection); server CPU: sum over the nodes; Redis+PG: the redis-server and postgres",
  "processes; machine CPU: every process on the machine (nodes, Redis, PostgreSQL, generator, anything else);",
  "other load: CPU of unrelated processes during the window (% of one core; noise). RSS: largest at the end of a",
  "window, per node. Median of the rounds (of two: their mean).",
];
