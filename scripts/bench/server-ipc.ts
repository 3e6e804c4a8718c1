// The IPC side of a bench server process (raw or Switchyard): ready, stats (CPU, memory, event-loop
// utilisation), optional GC before a memory reading, and a clean exit (so --cpu-prof is written).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { FromServer, ServerStats, Target, ToServer } from "./protocol";
import { mainThreadCpuUs } from "./lib/cpu-sampler";

export interface BenchServerHooks {
  target: Target;
  connections: () => number;
  traces?: () => NonNullable<ServerStats["traces"]>;
  onMessage?: (msg: ToServer, send: (m: FromServer) => void) => boolean;
  close: () => Promise<void>;
}

const started = performance.now();
let profiler: Session | null = null;

/** CPU profile of the measured window only (start-up and module loading excluded). */
async function profileStart(): Promise<void> {
  profiler = new Session();
  profiler.connect();
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.setSamplingInterval", { interval: 250 });
  await profiler.post("Profiler.start");
}

async function profileStop(dir: string): Promise<string | null> {
  if (!profiler) return null;
  const { profile } = await profiler.post("Profiler.stop");
  profiler.disconnect();
  profiler = null;
  const file = join(dir, `${process.pid}-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

export function send(msg: FromServer): void {
  if (process.connected) process.send!(msg);
}

/** Wires the process to the orchestrator; exits when the orchestrator goes away. */
export function serveIpc(port: number, hooks: BenchServerHooks): void {
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    const force = setTimeout(() => process.exit(code), 5000);
    force.unref();
    hooks.close().then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  process.on("message", (msg: ToServer) => {
    if (hooks.onMessage?.(msg, send)) return;
    if (msg.type === "stats") {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (msg.gc && gc) {
        gc();
        gc();
      }
      const elu = performance.eventLoopUtilization();
      send({
        type: "stats",
        id: msg.id,
        stats: {
          pid: process.pid,
          cpu: process.cpuUsage(),
          mainCpuUs: mainThreadCpuUs(),
          mem: process.memoryUsage(),
          elu: { idle: elu.idle, active: elu.active },
          connections: hooks.connections(),
          traces: hooks.traces?.(),
          uptimeMs: performance.now() - started,
        },
      });
    } else if (msg.type === "profile-start") {
      void profileStart().then(
        () => send({ type: "profile", id: msg.id, file: null }),
        (err: unknown) => send({ type: "error", message: String(err) }),
      );
    } else if (msg.type === "profile-stop") {
      void profileStop(msg.dir).then(
        (file) => send({ type: "profile", id: msg.id, file }),
        (err: unknown) => send({ type: "error", message: String(err) }),
      );
    } else if (msg.type === "exit") {
      exit(0);
    }
  });
  process.on("disconnect", () => exit(0));
  process.on("SIGTERM", () => exit(0));
  process.on("SIGINT", () => exit(0));
  send({ type: "ready", port, pid: process.pid, target: hooks.target });
}

export function fail(err: unknown): never {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  send({ type: "error", message });
  process.stderr.write(`bench server failed: ${message}\n`);
  process.exit(1);
}
