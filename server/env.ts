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
  /** Connection-state recovery window; default 120000 with REDIS_URL, 0 (off) on a single node. */
  RECOVERY_WINDOW_MS: z.coerce.number().int().min(0).max(3_600_000).optional(),
  DEMO_TRAFFIC: flag,
  FAULT_INJECTION: flag,
  MAX_MESSAGE_BYTES: int(65536, 256),
  RATE_LIMIT_PER_S: int(50, 1),
  RATE_LIMIT_BURST: int(100, 1),
  MAX_CONNECTIONS_PER_USER: int(10, 1),
  GOLDEN_GAP_MS: int(15000, 10),
  /** The agents file (PROTOCOL.md "Agents"); unset: ./switchyard.agents.json when it exists. */
  AGENTS_FILE: z.string().min(1).optional(),
  TRACE_RETENTION_DAYS: int(7, 0),
  TRACE_RETENTION_ROWS: int(1_000_000, 0),
  SESSION_RETENTION_DAYS: int(30, 0),
  INSPECTOR_MAX_EVENTS_PER_S: int(2000, 1),
  TRACE_QUEUE_MAX: int(500_000, 100),
  ALLOWED_ORIGINS: z.string().default(""),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type RawEnv = z.infer<typeof EnvSchema>;

/** The validated configuration of one Switchyard node. */
export interface Config extends Omit<RawEnv, "NODE_ID" | "ALLOWED_ORIGINS"> {
  NODE_ID: string;
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
  const port = overrides.PORT ?? env.PORT;
  return {
    ...env,
    NODE_ID: env.NODE_ID ?? `${os.hostname()}:${port}`,
    ALLOWED_ORIGINS: env.ALLOWED_ORIGINS.split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    ...overrides,
  };
}
