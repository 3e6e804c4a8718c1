// The orchestrator's side of a load generator process (lib/load-generator.ts): start it, hand it a
// plan, start / mark / stop the closed loop, and merge the reports of several generators.
import { Histogram } from "../histogram";
import type { ConnectReport, FromGenerator, GeneratorPlan, LoadReport, ToGenerator } from "../protocol";
import { spawnChild } from "./child-process";

/** Per-second counts a generator reports (connections opened while connecting, then requests). */
export type GeneratorProgress = Extract<FromGenerator, { type: "progress" }>;

/** One running load generator process, driven over IPC. */
export interface GeneratorHandle {
  pid: number;
  /** Opens the plan's connections; resolves with the connect report. */
  connect(plan: GeneratorPlan, timeoutMs: number): Promise<ConnectReport>;
  /** Calls `fn` with each per-second progress message. */
  onProgress(fn: (p: GeneratorProgress) => void): void;
  /** Starts the closed loop (unmeasured until `mark`). */
  start(): void;
  /** Starts the measured window. */
  mark(): void;
  /** Ends the window and the loop; resolves with the window's report. */
  stop(): Promise<LoadReport>;
  /** Closes the sockets and ends the process (killed after 5 s). */
  exit(): Promise<void>;
}

/** Forks a load generator and waits for its hello (60 s). */
export async function startGenerator(execArgv: string[] = []): Promise<GeneratorHandle> {
  const child = spawnChild<ToGenerator, FromGenerator>("lib/load-generator.ts", { NODE_ENV: "production" }, execArgv);
  await child.waitFor((m) => (m.type === "hello" ? true : undefined), 60_000, "generator start");
  return {
    pid: child.process.pid!,
    connect(plan, timeoutMs) {
      const connected = child.waitFor((m) => (m.type === "connected" ? m.report : undefined), timeoutMs, "connect");
      child.send({ type: "connect", plan });
      return connected;
    },
    onProgress(fn) {
      child.onMessage((m) => {
        if (m.type === "progress") fn(m);
      });
    },
    start: () => child.send({ type: "start" }),
    mark: () => child.send({ type: "mark" }),
    stop() {
      const stopped = child.waitFor((m) => (m.type === "stopped" ? m.report : undefined), 30_000, "stop");
      child.send({ type: "stop" });
      return stopped;
    },
    exit: () => child.stop({ type: "exit" }, 5000),
  };
}

/** Sums the generators' reports (the window is the longest one; latencies merge). */
export function mergeReports(parts: LoadReport[]): LoadReport {
  const h = new Histogram();
  const out: LoadReport = {
    windowMs: Math.max(...parts.map((p) => p.windowMs)),
    completed: 0,
    events: 0,
    chunks: 0,
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
    out.chunks += p.chunks ?? 0;
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
