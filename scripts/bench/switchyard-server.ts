// The production Switchyard node without Next.js pages (the same composition root as server/index.ts:
// router, tracing, session recording, SQLite write-behind persistence, operator API, inspector).
// Configuration comes from the environment the orchestrator sets (NODE_ENV=production, AUTH_SECRET,
// DATABASE_URL, raised rate and connection limits, LOG_LEVEL=silent).
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { loadConfig } from "../../server/env";
import { createLogger } from "../../server/logger";
import { SwitchyardNode } from "../../server/node";
import type { ToServer, TraceFloodResult } from "./protocol";
import { fail, send, serveIpc } from "./server-ipc";
import { mainThreadCpuUs } from "./lib/cpu-sampler";

try {
  const config = loadConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL, config.NODE_ID);
  const node = await SwitchyardNode.create({ config, logger, pageHandler: await consolePages() });
  const port = await node.listen(Number(process.env.PORT ?? 0), "127.0.0.1");
  if (process.env.BENCH_NO_PERSISTENCE === "1") {
    // Diagnosis only (--no-persistence): everything as usual except that nothing reaches the database,
    // to split the node's cost between routing and write-behind persistence.
    const p = node.persistence as unknown as Record<string, unknown>;
    for (const method of ["accept", "saveSession", "saveThread", "saveMessage"]) p[method] = () => undefined;
  }

  serveIpc(port, {
    target: "switchyard",
    connections: () => node.parts.connections.size,
    traces: () => ({ written: node.persistence.tracesWritten, dropped: node.queries.traceDrops(), queued: node.persistence.queuedTraces }),
    onMessage: (msg: ToServer) => {
      if (msg.type !== "trace-flood") return false;
      void traceFlood(node, msg.rate, msg.ms, msg.warmupMs).then(
        (result) => send({ type: "trace-flood", id: msg.id, result }),
        (err: unknown) => send({ type: "error", message: String(err) }),
      );
      return true;
    },
    close: () => node.close(),
  });
} catch (err) {
  fail(err);
}

/**
 * With BENCH_CONSOLE=1 (`npm run bench:console`), the console's pages too, from the production build,
 * as server/index.ts serves them; otherwise none (the other benches measure the router alone).
 */
async function consolePages(): Promise<((req: IncomingMessage, res: ServerResponse) => void) | undefined> {
  if (process.env.BENCH_CONSOLE !== "1") return undefined;
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: new URL("../..", import.meta.url).pathname });
  await app.prepare();
  const handle = app.getRequestHandler();
  return (req, res) => void handle(req, res);
}

/**
 * Trace persistence capacity, isolated from the router: records synthetic `delivered` trace events
 * through the node's own tracer (so they take the real path: tracer buffer -> sinks -> Persistence
 * queue -> the SQLite writer thread) at `rate` per second (0 = as fast as the queue drains,
 * keeping at most 50,000 waiting), and measures rows written per second after a warm-up.
 */
async function traceFlood(node: SwitchyardNode, rate: number, ms: number, warmupMs: number): Promise<TraceFloodResult> {
  const tracer = node.parts.tracer;
  const persistence = node.persistence;
  const fields = {
    trace_id: "bench-trace",
    user_id: "bench-user-1",
    connection_id: "conn_00000000-0000-4000-8000-000000000000",
    message_type: "agent_thinking",
    run_id: "run_00000000-0000-4000-8000-000000000000",
    thread_id: "thr_00000000-0000-4000-8000-000000000000",
  };
  const written0 = persistence.tracesWritten;
  const dropped0 = node.queries.traceDrops();
  const t0 = performance.now();
  const end = t0 + warmupMs + ms;
  let recorded = 0;
  let maxQueued = 0;
  const atStart = { at: t0, written: written0, dropped: dropped0, cpu: process.cpuUsage(), main: mainThreadCpuUs(), recorded: 0 };
  let window: typeof atStart | null = null;
  const tickMs = 5;
  while (performance.now() < end) {
    const now = performance.now();
    if (!window && now - t0 >= warmupMs) {
      window = {
        at: now,
        written: persistence.tracesWritten,
        dropped: node.queries.traceDrops(),
        cpu: process.cpuUsage(),
        main: mainThreadCpuUs(),
        recorded,
      };
    }
    let n: number;
    if (rate > 0) n = Math.floor(((now - t0) / 1000) * rate) - recorded;
    else {
      // Closed loop: keep about 50,000 traces between record() and the disk (tracer buffer + queue).
      const backlog = recorded - (persistence.tracesWritten - written0) - (node.queries.traceDrops() - dropped0);
      n = Math.max(0, 50_000 - backlog);
    }
    n = Math.min(n, 20_000);
    for (let i = 0; i < n; i++) tracer.record("delivered", fields);
    recorded += n;
    maxQueued = Math.max(maxQueued, persistence.queuedTraces);
    await new Promise((r) => setTimeout(r, tickMs));
  }
  const stop = performance.now();
  // A tick that blocked through the whole warm-up leaves no window start: measure from the beginning.
  const w = window ?? atStart;
  const written = persistence.tracesWritten - w.written;
  const cpu = process.cpuUsage(w.cpu);
  const mainUs = mainThreadCpuUs() - w.main;
  const dropped = node.queries.traceDrops() - w.dropped;
  // Drain what is still queued, to report how long the backlog takes to reach the disk.
  tracer.flush();
  const drainStart = performance.now();
  while (persistence.queuedTraces > 0 && performance.now() - drainStart < 30_000) await persistence.flush();
  return {
    offeredPerS: ((recorded - w.recorded) / (stop - w.at)) * 1000,
    recorded: recorded - w.recorded,
    persistedPerS: (written / (stop - w.at)) * 1000,
    dropped,
    maxQueued,
    drainMs: performance.now() - drainStart,
    cpuUsPerTrace: written ? (cpu.user + cpu.system) / written : 0,
    mainCpuUsPerTrace: written ? mainUs / written : 0,
  };
}
