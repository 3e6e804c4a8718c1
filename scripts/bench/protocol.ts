// Shared between the bench orchestrator, the two servers and the load generators (IPC messages).
import type { HistogramData } from "./histogram";

/** The HS256 secret every bench server uses; generators sign their tokens with it (jose). */
export const BENCH_SECRET = "switchyard-bench-secret-0123456789abcdef";

/** What every golden-path request sends: the built-in agent plans one calculator call (5 run events). */
export const GOLDEN_CONTENT = "what is 2+2";

/** What every `stream` request sends (start_agent, agent `streamer`): two tools, then 34 chunks of the answer. */
export const STREAM_CONTENT = "what is 6 * 7 and how does the router deliver events?";
/** The built-in streaming agent the `stream` scenario runs on B. */
export const STREAM_AGENT = "streamer";

export type Target = "raw" | "switchyard";
export type LoadScenario = "ping" | "golden" | "multi" | "stream" | "idle";

// ---------- server process <-> orchestrator ----------

export interface ServerStats {
  pid: number;
  cpu: NodeJS.CpuUsage;
  /** CPU of the main thread alone (the event loop), microseconds. */
  mainCpuUs: number;
  mem: NodeJS.MemoryUsage;
  elu: { idle: number; active: number };
  connections: number;
  /** Switchyard only: trace rows written to SQLite, dropped, waiting in the queue. */
  traces?: { written: number; dropped: number; queued: number };
  uptimeMs: number;
}

export type ToServer =
  | { type: "stats"; id: number; gc?: boolean }
  | { type: "trace-flood"; id: number; rate: number; ms: number; warmupMs: number }
  | { type: "profile-start"; id: number }
  | { type: "profile-stop"; id: number; dir: string }
  | { type: "exit" };

export interface TraceFloodResult {
  offeredPerS: number;
  recorded: number;
  persistedPerS: number;
  dropped: number;
  maxQueued: number;
  drainMs: number;
  cpuUsPerTrace: number;
  /** The main thread's share: what recording and handing off one trace costs the router's event loop. */
  mainCpuUsPerTrace: number;
}

export type FromServer =
  | { type: "ready"; port: number; pid: number; target: Target }
  | { type: "stats"; id: number; stats: ServerStats }
  | { type: "trace-flood"; id: number; result: TraceFloodResult }
  | { type: "profile"; id: number; file: string | null }
  | { type: "error"; message: string };

// ---------- load generator <-> orchestrator ----------

export interface GeneratorPlan {
  /** The servers to connect to: one, or the nodes of a cluster. */
  targets: string[];
  /**
   * Which target each connection goes to: "user" puts all of user u's connections on targets[u % n],
   * "connection" puts connection i of every user on targets[i % n] (a user on every node).
   */
  spread: "user" | "connection";
  /** The connection a request is sent on: rotating over the user's connections, or always the first. */
  sendOn: "rotate" | "first";
  scenario: LoadScenario;
  /** Users this generator drives, `${userPrefix}${userOffset + i}`, each with `connsPerUser` sockets. */
  users: number;
  connsPerUser: number;
  userPrefix: string;
  userOffset: number;
  /** Requests each user keeps in flight (closed loop). */
  inflight: number;
  /**
   * Optional pacing: a user starts its next request no sooner than `paceMs` after the previous one
   * started, its first at a random moment within `paceMs` (about users × inflight × 1000 / paceMs
   * requests/s while the server keeps up). Unset: as soon as the previous one finishes.
   */
  paceMs?: number;
  /** Handshakes in flight at once while connecting. */
  connectConcurrency: number;
  requestTimeoutMs: number;
}

export interface ConnectReport {
  opened: number;
  failed: number;
  failures: Record<string, number>;
  wallMs: number;
  latency: { buckets: HistogramData; count: number; sumUs: number; maxUs: number };
  /** Generator CPU while connecting. */
  cpu: NodeJS.CpuUsage;
}

export interface LoadReport {
  windowMs: number;
  completed: number;
  /** Events received (all connections; for golden/multi/stream: run events; for ping: pong). */
  events: number;
  /** `agent_response_chunk` events received (all connections; stream only). */
  chunks: number;
  errors: number;
  errorCodes: Record<string, number>;
  timeouts: number;
  /** Runs whose events did not all arrive, in order, on every connection of the user. */
  badRuns: number;
  latency: { buckets: HistogramData; count: number; sumUs: number; maxUs: number };
  cpu: NodeJS.CpuUsage;
  rssBytes: number;
  disconnects: number;
}

export type ToGenerator =
  { type: "connect"; plan: GeneratorPlan } | { type: "start" } | { type: "mark" } | { type: "stop" } | { type: "exit" };

export type FromGenerator =
  | { type: "hello"; pid: number }
  | { type: "connected"; report: ConnectReport }
  | { type: "progress"; completed: number; events: number; errors: number }
  | { type: "stopped"; report: LoadReport }
  | { type: "error"; message: string };
