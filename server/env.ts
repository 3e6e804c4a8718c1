import { spawnSync } from "node:child_process";
import os from "node:os";
import { z } from "zod";

/** Reads an integer env var with a default, refusing garbage at start-up rather than at first use. */
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const flag = z
  .enum(["0", "1", "true", "false", ""])
  .default("0")
  .transform((v) => v === "1" || v === "true");

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: int(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  NODE_ID: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).default("file:./data/switchyard.db"),
  DATA_DIR: z.string().min(1).default("./data"),
  AUTH_SECRET: z.string().min(16).optional(),
  REDIS_URL: z.string().optional(),
  /** Key and channel prefix of this cluster in Redis (several clusters or test runs may share one Redis). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
    .default("switchyard"),
  /** Connection-state recovery window, on one node and in a cluster (PROTOCOL.md); 0 turns it off. */
  RECOVERY_WINDOW_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  /** Packets recovery keeps on one node (oldest dropped first; a session that missed a dropped one is not restored). */
  RECOVERY_MAX_PACKETS: int(50_000, 1),
  /** Their memory, estimated as encoded size + 256 bytes each (32 MiB: about 50,000 packets of typical run events). */
  RECOVERY_MAX_BYTES: int(32 << 20, 1024),
  /** Sessions of disconnected sockets recovery keeps on one node (oldest dropped first). */
  RECOVERY_MAX_SESSIONS: int(20_000, 1),
  DEMO_TRAFFIC: flag,
  FAULT_INJECTION: flag,
  MAX_MESSAGE_BYTES: int(65536, 256),
  RATE_LIMIT_PER_S: int(50, 1),
  RATE_LIMIT_BURST: int(100, 1),
  /** Per user across all connections and transports; unset: 4x RATE_LIMIT_PER_S / RATE_LIMIT_BURST. */
  USER_RATE_LIMIT_PER_S: z.coerce.number().int().min(1).optional(),
  USER_RATE_LIMIT_BURST: z.coerce.number().int().min(1).optional(),
  MAX_CONNECTIONS_PER_USER: int(10, 1),
  /** Bytes one connection (any transport, inspector included) may have queued unsent before it is cut as SLOW_CONSUMER. */
  OUTBOUND_BUFFER_BYTES: int(4 << 20, 64 << 10),
  /** Open TCP connections of the node; unset: the open-files limit minus 2,000 (defaultMaxConnections). */
  MAX_CONNECTIONS: z.coerce.number().int().min(1).optional(),
  /** Open TCP connections per client address (with TRUST_PROXY: requests and upgrades in flight); 0: no cap. */
  MAX_CONNECTIONS_PER_ADDRESS: int(1000, 0),
  /** The client's address is the first X-Forwarded-For hop (behind a reverse proxy), not the socket's peer. */
  TRUST_PROXY: flag,
  /** The HTTP server's headersTimeout: a request's headers must have arrived within this. */
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 100),
  /** The HTTP server's requestTimeout: a whole request (headers and body, not the response) within this; 0: none. */
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 0),
  GOLDEN_GAP_MS: int(15000, 10),
  /** The agents file (PROTOCOL.md "Agents"); unset: ./switchyard.agents.json when it exists. */
  AGENTS_FILE: z.string().min(1).optional(),
  TRACE_RETENTION_DAYS: int(7, 0),
  TRACE_RETENTION_ROWS: int(1_000_000, 0),
  SESSION_RETENTION_DAYS: int(30, 0),
  INSPECTOR_MAX_EVENTS_PER_S: int(2000, 1),
  TRACE_QUEUE_MAX: int(500_000, 100),
  ALLOWED_ORIGINS: z.string().default(""),
  /** OpenTelemetry export of runs (docs/observability.md): on when either endpoint is set (non-empty). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(["http/protobuf", "http/json"]).default("http/protobuf"),
  /** `key=value,key2=value2` (values URL-encoded), sent with every export, e.g. `Authorization=Basic%20...`. */
  OTEL_EXPORTER_OTLP_HEADERS: z.string().default(""),
  OTEL_SERVICE_NAME: z.string().min(1).default("switchyard"),
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: flag,
  /** Finished spans waiting for export; more are dropped and counted (switchyard_otel_spans_dropped_total). */
  OTEL_BSP_MAX_QUEUE_SIZE: int(2048, 1),
  /** Alert rules (PROTOCOL.md "OpenTelemetry export and alerts"); unset: ./switchyard.alerts.json when it exists, else the defaults. */
  ALERTS_FILE: z.string().min(1).optional(),
  /** Comma-separated http(s) URLs every firing and resolving is POSTed to (docs/observability.md "Alerts"). */
  ALERT_WEBHOOK_URLS: z
    .string()
    .default("")
    .refine((v) => v.split(",").every((u) => !u.trim() || /^https?:\/\/[^\s]+$/.test(u.trim())), "must be comma-separated http(s) URLs"),
  /** Signs each webhook body: X-Switchyard-Signature: sha256=<hex HMAC-SHA256>. */
  ALERT_WEBHOOK_SECRET: z.string().optional(),
  /** How often the alert rules are evaluated (off the routing path). */
  ALERT_EVAL_MS: int(2000, 100),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type RawEnv = z.infer<typeof EnvSchema>;

/** The validated configuration of one Switchyard node. */
export interface Config extends Omit<RawEnv, "NODE_ID" | "ALLOWED_ORIGINS" | "MAX_CONNECTIONS"> {
  NODE_ID: string;
  MAX_CONNECTIONS: number;
  ALLOWED_ORIGINS: string[];
}

/** Validates the environment once; a bad value stops start-up with the variable's name. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment: ${issues}`);
  }
  const env = parsed.data;
  if (env.HTTP_REQUEST_TIMEOUT_MS > 0 && env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    throw new Error("Invalid environment: HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS");
  }
  const port = overrides.PORT ?? env.PORT;
  return {
    ...env,
    NODE_ID: env.NODE_ID ?? `${os.hostname()}:${port}`,
    MAX_CONNECTIONS: env.MAX_CONNECTIONS ?? defaultMaxConnections(),
    ALLOWED_ORIGINS: env.ALLOWED_ORIGINS.split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    ...overrides,
  };
}

let openFilesLimit: number | undefined;

/** MAX_CONNECTIONS when unset: the soft open-files limit minus 2,000 (files, database, Redis), at least 100. */
export function defaultMaxConnections(): number {
  openFilesLimit ??= readOpenFilesLimit();
  return Math.max(100, openFilesLimit - 2000);
}

/** The soft open-files limit as `ulimit -n` reports it (Node has no getrlimit), read once; 20000 when unreadable. */
function readOpenFilesLimit(): number {
  const FALLBACK = 20_000;
  try {
    const out = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8", timeout: 2000 });
    if (out.error || out.status !== 0) return FALLBACK;
    const limit = Number(out.stdout.trim()); // "unlimited" is NaN: the fallback
    return Number.isInteger(limit) && limit > 0 ? limit : FALLBACK;
  } catch {
    return FALLBACK;
  }
}
