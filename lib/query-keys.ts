import type { AlertQuery, SessionQuery, TraceQuery } from "@/contract/operator-api";

/**
 * One query-key factory for every /api endpoint. Every key starts with "api" so a logout can drop
 * the whole cache at once; filters are the last element so prefixes invalidate all variants.
 */
export const queryKeys = {
  all: ["api"] as const,
  health: () => ["api", "health"] as const,
  stats: () => ["api", "stats"] as const,
  series: (minutes: number) => ["api", "series", minutes] as const,
  handlers: () => ["api", "handlers"] as const,
  unhandled: () => ["api", "handlers-unhandled"] as const,
  agents: () => ["api", "agents"] as const,
  users: () => ["api", "users"] as const,
  connections: () => ["api", "connections"] as const,
  tracesAll: () => ["api", "traces"] as const,
  traces: (f: TraceQuery) => ["api", "traces", f] as const,
  sessionsAll: () => ["api", "sessions"] as const,
  sessions: (f: SessionQuery) => ["api", "sessions", "list", f] as const,
  session: (id: string) => ["api", "sessions", "detail", id] as const,
  replays: (id: string) => ["api", "sessions", "replays", id] as const,
  alerts: (f: AlertQuery) => ["api", "alerts", f] as const,
} as const;
