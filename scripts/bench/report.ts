// Results: per-run records, per-scenario summaries (median over rounds, ratios of interleaved pairs),
// the readable table and the JSON document.
import { formatProfileShort, type ProfileSummary } from "./profile-summary";
import type { Target, TraceFloodResult } from "./protocol";

export type Scenario = "ping" | "golden" | "multi" | "stream" | "idle" | "traces";

export interface RunResult {
  scenario: Scenario;
  target: Target;
  round: number;
  ok: boolean;
  error?: string;
  /** Measured window (load scenarios). */
  windowS?: number;
  connections?: number;
  /** Requests completed per second (ping: acks; golden/multi: runs done on every connection). */
  throughput?: number;
  eventsPerS?: number;
  /** stream: `agent_response_chunk` events delivered per second (the scenario's headline figure). */
  chunksPerS?: number;
  p50Ms?: number;
  p99Ms?: number;
  meanMs?: number;
  maxMs?: number;
  errors?: number;
  errorCodes?: Record<string, number>;
  timeouts?: number;
  badRuns?: number;
  disconnects?: number;
  serverCpuUsPerReq?: number;
  serverMainCpuUsPerReq?: number;
  /** stream: server CPU (all threads) per chunk delivered. */
  serverCpuUsPerChunk?: number;
  serverCpuPct?: number;
  serverElu?: number;
  clientCpuPct?: number;
  serverRssMB?: number;
  serverRssPeakMB?: number;
  serverHeapMB?: number;
  /** Switchyard: trace rows persisted per second during the window, and rows dropped. */
  tracesPersistedPerS?: number;
  tracesRecordedPerS?: number;
  traceDrops?: number;
  traceQueueEnd?: number;
  // idle
  opened?: number;
  failed?: number;
  failures?: Record<string, number>;
  connectWallS?: number;
  connectsPerS?: number;
  connectP50Ms?: number;
  connectP99Ms?: number;
  rssPerConnKB?: number;
  heapPerConnKB?: number;
  externalPerConnKB?: number;
  serverCpuUsPerConn?: number;
  serverConnections?: number;
  // traces
  floodAtRate?: TraceFloodResult;
  floodMax?: TraceFloodResult;
  apiStats?: { traces_persisted: number; trace_drops: number } | null;
  profile?: ProfileSummary;
  /** CPU used by other processes on the machine (% of one core): just before the run, during the window. */
  otherLoadBeforePct?: number;
  otherLoadPct?: number;
  /** How many times the run was made (repeated when the machine was busy). */
  attempts?: number;
}

export interface Meta {
  date: string;
  host: string;
  cpus: number;
  cpuModel: string;
  memGB: number;
  kernel: string;
  node: string;
  socketIo: string;
  options: Record<string, unknown>;
  wallS?: number;
}

interface MetricDef {
  key: keyof RunResult;
  label: string;
  digits: number;
  /** For the ratio column: "B/A" always; note which direction is better. */
  better: "higher" | "lower" | "none";
  /** Whether a B/A ratio means anything for this row (not for counts of errors or other processes). */
  noRatio?: boolean;
}

const LOAD_METRICS: MetricDef[] = [
  { key: "throughput", label: "throughput (requests/s)", digits: 0, better: "higher" },
  { key: "eventsPerS", label: "events received/s", digits: 0, better: "higher" },
  { key: "chunksPerS", label: "chunks delivered/s", digits: 0, better: "higher" },
  { key: "p50Ms", label: "latency p50 (ms)", digits: 2, better: "lower" },
  { key: "p99Ms", label: "latency p99 (ms)", digits: 2, better: "lower" },
  { key: "serverCpuUsPerReq", label: "server CPU per request (us)", digits: 1, better: "lower" },
  { key: "serverMainCpuUsPerReq", label: "  of it main thread (us)", digits: 1, better: "lower" },
  { key: "serverCpuUsPerChunk", label: "server CPU per chunk delivered (us)", digits: 1, better: "lower" },
  { key: "serverCpuPct", label: "server CPU (% of one core)", digits: 0, better: "none" },
  { key: "serverElu", label: "server event-loop utilisation", digits: 2, better: "none" },
  { key: "clientCpuPct", label: "generator CPU (% of one core)", digits: 0, better: "none" },
  { key: "otherLoadPct", label: "other processes' CPU (% of one core)", digits: 0, better: "none", noRatio: true },
  { key: "serverRssPeakMB", label: "server RSS peak (MB)", digits: 0, better: "lower" },
  { key: "serverHeapMB", label: "server heap at end (MB)", digits: 0, better: "lower" },
  { key: "tracesPersistedPerS", label: "trace rows persisted/s", digits: 0, better: "none", noRatio: true },
  { key: "traceDrops", label: "trace rows dropped", digits: 0, better: "none", noRatio: true },
  { key: "errors", label: "errors", digits: 0, better: "none", noRatio: true },
  { key: "timeouts", label: "timeouts", digits: 0, better: "none", noRatio: true },
  { key: "badRuns", label: "incomplete / out-of-order runs", digits: 0, better: "none", noRatio: true },
];

const IDLE_METRICS: MetricDef[] = [
  { key: "opened", label: "connections opened", digits: 0, better: "none", noRatio: true },
  { key: "failed", label: "connections failed", digits: 0, better: "none", noRatio: true },
  { key: "connectWallS", label: "time to connect all (s)", digits: 2, better: "lower" },
  { key: "connectsPerS", label: "connections/s", digits: 0, better: "higher" },
  { key: "connectP50Ms", label: "handshake p50 (ms)", digits: 1, better: "lower" },
  { key: "connectP99Ms", label: "handshake p99 (ms)", digits: 1, better: "lower" },
  { key: "rssPerConnKB", label: "server RSS per connection (KB)", digits: 1, better: "lower" },
  { key: "heapPerConnKB", label: "server heap per connection (KB)", digits: 1, better: "lower" },
  { key: "serverCpuUsPerConn", label: "server CPU per connection (us)", digits: 0, better: "lower" },
  { key: "clientCpuPct", label: "generators' CPU while connecting (% of one core)", digits: 0, better: "none" },
  { key: "serverRssMB", label: "server RSS with all open (MB)", digits: 0, better: "lower" },
  { key: "otherLoadPct", label: "other processes' CPU (% of one core)", digits: 0, better: "none", noRatio: true },
];

export const SCENARIO_TITLES: Record<Scenario, string> = {
  ping: "ping: request -> ack round trip",
  golden: "golden: user_message -> agent_completed (tracing + SQLite persistence on)",
  multi: "multi: many users, two connections each (run events fan out to both)",
  stream: "stream: start_agent streamer -> agent_completed, chunks delivered per second (target B/A >= 0.8)",
  idle: "idle: open connections (memory per connection, time to connect)",
  traces: "traces: trace events persisted per second (SQLite, batched)",
};

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface MetricSummary {
  raw?: { median: number; min: number; max: number; values: number[] };
  switchyard?: { median: number; min: number; max: number; values: number[] };
  /** switchyard / raw, per interleaved round, and their median. */
  ratios?: number[];
  ratio?: number;
}

export type ScenarioSummary = Record<string, MetricSummary>;

function stat(values: number[]) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
}

export function summarize(runs: RunResult[], scenario: Scenario): ScenarioSummary {
  const defs = scenario === "idle" ? IDLE_METRICS : LOAD_METRICS;
  const mine = runs.filter((r) => r.scenario === scenario && r.ok);
  const out: ScenarioSummary = {};
  for (const d of defs) {
    const m: MetricSummary = {};
    for (const t of ["raw", "switchyard"] as const) {
      const values = mine.filter((r) => r.target === t && typeof r[d.key] === "number").map((r) => r[d.key] as number);
      if (values.length) m[t] = stat(values);
    }
    const ratios: number[] = [];
    for (const round of new Set(mine.map((r) => r.round))) {
      const a = mine.find((r) => r.round === round && r.target === "raw")?.[d.key];
      const b = mine.find((r) => r.round === round && r.target === "switchyard")?.[d.key];
      if (typeof a === "number" && typeof b === "number" && a > 0) ratios.push(b / a);
    }
    if (ratios.length && !d.noRatio) {
      m.ratios = ratios;
      m.ratio = median(ratios);
    }
    if (m.raw || m.switchyard) out[d.key] = m;
  }
  return out;
}

// ---------------- formatting ----------------

function num(v: number | undefined, digits: number): string {
  if (v === undefined || !Number.isFinite(v)) return "-";
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(s: MetricSummary["raw"], digits: number): string {
  if (!s) return "-";
  if (s.values.length < 2 || s.min === s.max) return num(s.median, digits);
  return `${num(s.median, digits)} (${num(s.min, digits)}-${num(s.max, digits)})`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("   ")).join("\n");
}

export function renderScenario(scenario: Scenario, runs: RunResult[], describe: string): string {
  const lines: string[] = [`== ${SCENARIO_TITLES[scenario]}`, `   ${describe}`];
  const failed = runs.filter((r) => r.scenario === scenario && !r.ok);
  if (scenario === "traces") {
    lines.push(renderTraces(runs));
  } else {
    const s = summarize(runs, scenario);
    const defs = scenario === "idle" ? IDLE_METRICS : LOAD_METRICS;
    const rows: string[][] = [["metric", "A raw socket.io", "B switchyard", "ratio B/A"]];
    for (const d of defs) {
      const m = s[d.key];
      if (!m) continue;
      const onlyZero = [...(m.raw?.values ?? []), ...(m.switchyard?.values ?? [])].every((v) => v === 0);
      if (onlyZero && d.better === "none" && !["serverCpuPct", "clientCpuPct", "serverElu", "otherLoadPct"].includes(d.key)) continue;
      const ratio =
        m.ratio === undefined || d.noRatio
          ? "-"
          : `${m.ratio.toFixed(2)}${m.ratios && m.ratios.length > 1 ? ` (${Math.min(...m.ratios).toFixed(2)}-${Math.max(...m.ratios).toFixed(2)})` : ""}`;
      rows.push([d.label, cell(m.raw, d.digits), cell(m.switchyard, d.digits), ratio]);
    }
    lines.push(table(rows));
    const codes = runs.filter((r) => r.scenario === scenario && r.errorCodes && Object.keys(r.errorCodes).length);
    for (const r of codes) lines.push(`   ${r.target} round ${r.round} error codes: ${JSON.stringify(r.errorCodes)}`);
    const fails = runs.filter((r) => r.scenario === scenario && r.failures && Object.keys(r.failures).length);
    for (const r of fails) lines.push(`   ${r.target} round ${r.round} connect failures: ${JSON.stringify(r.failures)}`);
  }
  for (const r of failed) lines.push(`   ! ${r.target} round ${r.round} failed: ${r.error}`);
  for (const r of runs.filter((x) => x.scenario === scenario && x.profile)) {
    lines.push(`   CPU profile, ${r.target} round ${r.round} (measured window only; profiling slows the server ~10-20%):`);
    lines.push(formatProfileShort(r.profile!));
  }
  return lines.join("\n");
}

function renderTraces(runs: RunResult[]): string {
  const tr = runs.filter((r) => r.scenario === "traces" && r.ok);
  const golden = runs.filter((r) => r.scenario === "golden" && r.ok && r.target === "switchyard");
  const multi = runs.filter((r) => r.scenario === "multi" && r.ok && r.target === "switchyard");
  const rows: string[][] = [
    ["measurement", "persisted/s", "offered/s", "dropped", "max queued", "drain (ms)", "CPU/trace (us)", "main thread (us)"],
  ];
  for (const r of tr) {
    for (const [label, f] of [
      [`persistence, offered rate, round ${r.round}`, r.floodAtRate],
      [`persistence, saturated, round ${r.round}`, r.floodMax],
    ] as const) {
      if (!f) continue;
      rows.push([
        label,
        num(f.persistedPerS, 0),
        num(f.offeredPerS, 0),
        num(f.dropped, 0),
        num(f.maxQueued, 0),
        num(f.drainMs, 0),
        num(f.cpuUsPerTrace, 2),
        num(f.mainCpuUsPerTrace, 2),
      ]);
    }
  }
  for (const [name, list] of [
    ["golden", golden],
    ["multi", multi],
  ] as const) {
    for (const r of list) {
      rows.push([
        `end to end under ${name} load, round ${r.round}`,
        num(r.tracesPersistedPerS, 0),
        num(r.tracesRecordedPerS, 0),
        num(r.traceDrops, 0),
        num(r.traceQueueEnd, 0),
        "-",
        "-",
        "-",
      ]);
    }
  }
  const lines = [table(rows)];
  const api = tr.find((r) => r.apiStats)?.apiStats;
  if (api)
    lines.push(
      `   /api/stats after the last flood: traces_persisted ${num(api.traces_persisted, 0)}, trace_drops ${num(api.trace_drops, 0)}`,
    );
  lines.push("   (end to end: offered/s is trace rows recorded/s by the router during the window; max queued is the queue at the end)");
  return lines.join("\n");
}

export function renderHeader(meta: Meta): string {
  return [
    `Switchyard bench  ${meta.date}`,
    `${meta.host}: ${meta.cpus} x ${meta.cpuModel}, ${meta.memGB} GB, Linux ${meta.kernel}, Node ${meta.node}, socket.io ${meta.socketIo}`,
    `options: ${JSON.stringify(meta.options)}`,
    "A = raw Socket.IO server (no router), B = Switchyard (production node, no Next.js); runs alternate A B A B;",
    "each cell is the median over rounds (min-max); the ratio is B/A per interleaved pair (median, range).",
    ...(meta.options.noPersistence
      ? ["DIAGNOSTIC RUN (--no-persistence): B's database writes are stubbed out; not a valid comparison."]
      : []),
  ].join("\n");
}
