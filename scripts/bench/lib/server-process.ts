// The orchestrator's side of a bench server process (raw-server.ts or switchyard-server.ts, both
// speaking server-ipc.ts): the environment it runs with, start-up until "ready", statistics, the trace
// flood, an optional CPU profile of the measured window, and a clean stop.
import { type ProfileSummary, summarizeProfile } from "../profile-summary";
import { BENCH_SECRET, type FromServer, type ServerStats, type ToServer, type TraceFloodResult } from "../protocol";
import { spawnChild } from "./child-process";

/** A running bench server, driven over IPC. */
export interface ServerHandle {
  pid: number;
  url: string;
  /** CPU, memory, ELU and connection count now; with `gc`, after two forced GCs (memory readings). */
  stats(gc?: boolean): Promise<ServerStats>;
  /** Switchyard only: trace persistence capacity at `rate` events/s (0 = closed loop). */
  flood(rate: number, ms: number, warmupMs: number): Promise<TraceFloodResult>;
  /** With a profile directory: CPU-profiles the server between these two calls (in-process inspector). */
  profileStart(): Promise<void>;
  profileStop(): Promise<ProfileSummary | undefined>;
  /** Asks it to exit (SIGKILL after the grace period), then runs the `onStopped` clean-up. */
  stop(): Promise<void>;
}

/** What every bench server gets: production mode, an ephemeral port on loopback, no telemetry. */
const BASE_ENV = {
  NODE_ENV: "production",
  PORT: "0",
  HOST: "127.0.0.1",
  CHECKPOINT_DISABLE: "1",
  NEXT_TELEMETRY_DISABLED: "1",
};

/** The raw Socket.IO baseline's environment. */
export const rawServerEnv = (): Record<string, string | undefined> => ({ ...BASE_ENV });

/** A Switchyard node's environment: the bench secret, silent logs, limits out of the way, plus `own` (storage, node id). */
export function switchyardEnv(own: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    ...BASE_ENV,
    AUTH_SECRET: BENCH_SECRET,
    LOG_LEVEL: "silent",
    RATE_LIMIT_PER_S: "1000000",
    RATE_LIMIT_BURST: "1000000",
    MAX_CONNECTIONS_PER_USER: "1000000",
    // The bench's clients all come from 127.0.0.1, thousands of sockets: no per-address cap.
    MAX_CONNECTIONS_PER_ADDRESS: "0",
    DEMO_TRAFFIC: "0",
    FAULT_INJECTION: "0",
    BENCH_NO_PERSISTENCE: "0",
    ...own,
  };
}

/** Forks a bench server (with --expose-gc) and waits up to 120 s for its "ready". */
export async function startServer(o: {
  file: "raw-server.ts" | "switchyard-server.ts";
  env: Record<string, string | undefined>;
  /** Names the server in error messages, e.g. "raw" or "node bench-node-1". */
  name: string;
  profileDir?: string | null;
  stopGraceMs: number;
  onStopped?: () => void;
}): Promise<ServerHandle> {
  const child = spawnChild<ToServer, FromServer>(o.file, o.env, ["--expose-gc"]);
  const ready = await child.waitFor((m) => (m.type === "ready" ? m : undefined), 120_000, `${o.name} server start`);
  const { profileDir } = o;
  return {
    pid: child.process.pid!,
    url: `http://127.0.0.1:${ready.port}`,
    stats: (gc = false) =>
      child.request(
        (id) => ({ type: "stats", id, gc }),
        (m, id) => (m.type === "stats" && m.id === id ? m.stats : undefined),
        30_000,
        `${o.name} server stats`,
      ),
    flood: (rate, ms, warmupMs) =>
      child.request(
        (id) => ({ type: "trace-flood", id, rate, ms, warmupMs }),
        (m, id) => (m.type === "trace-flood" && m.id === id ? m.result : undefined),
        ms + warmupMs + 60_000,
        `${o.name} trace flood`,
      ),
    async profileStart() {
      if (!profileDir) return;
      await child.request(
        (id) => ({ type: "profile-start", id }),
        (m, id) => (m.type === "profile" && m.id === id ? true : undefined),
        30_000,
        "profile start",
      );
    },
    async profileStop() {
      if (!profileDir) return undefined;
      const file = await child.request(
        (id) => ({ type: "profile-stop", id, dir: profileDir }),
        (m, id) => (m.type === "profile" && m.id === id ? m.file : undefined),
        60_000,
        "profile stop",
      );
      return file ? summarizeProfile(file, 25) : undefined;
    },
    async stop() {
      await child.stop({ type: "exit" }, o.stopGraceMs);
      o.onStopped?.();
    },
  };
}
