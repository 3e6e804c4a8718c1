import type { Fixture } from "./session-fixture";
import type { AgentKind } from "./run-events";
import type { ReplayAgentMode, ReplayFaults, ReplayResult, SessionDetail, SessionStatus, SessionSummary } from "./sessions";
import type { TraceEvent, TraceKind } from "./trace";

/** The operator HTTP API's answers (PROTOCOL.md "Operator surfaces"). Times are ISO 8601 strings. */

export interface Health {
  status: "ok" | "degraded";
  node_id: string;
  version: string;
  uptime_s: number;
  db: "ok" | "unavailable";
  /** In a cluster only. */
  cluster?: "ok" | "degraded";
  /** The parts that are down, when degraded. */
  failing?: ("db" | "redis")[];
}

export interface HandlerInfo {
  type: string;
  aliases: string[];
  handler: string;
  source: string;
  stats: { count: number; errors: number; p50_ms: number; p99_ms: number };
}

export interface UnhandledType {
  type: string;
  count: number;
  last_seen: string;
}

/** How a client is connected (PROTOCOL.md "Other client transports"). */
export const TRANSPORTS = ["socket.io", "websocket", "sse"] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface ConnectionInfo {
  connection_id: string;
  user_id: string;
  node_id: string;
  transport: Transport;
  connected_at: string;
  last_activity: string;
}

export interface UserSummary {
  user_id: string;
  connections: number;
  /** The user's open connections by transport (transports with none are left out). */
  transports: Partial<Record<Transport, number>>;
  events_delivered: number;
  isolation_violations: number;
  last_activity: string;
}

/** One per-second point of the series (`GET /api/stats/series`, inspector `stats`). */
export interface SeriesPoint {
  t: string;
  messages: number;
  events: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
}

/** The whole cluster's figures (this node alone outside one). */
export interface StatsSnapshot {
  connections: number;
  users: number;
  messages_routed: number;
  events_delivered: number;
  errors: number;
  isolation_violations: number;
  sessions: Record<SessionStatus, number>;
  trace_drops: number;
  traces_persisted: number;
  heartbeat_traces_counted: number;
  node_id: string;
  nodes: string[];
}

/** One edge of the flow view: message type -> handler -> event type, with a count. */
export interface FlowEdge {
  message_type: string;
  handler: string;
  event_type: string;
  count: number;
}

/** A declared agent with this node's figures for it (`GET /api/agents`). */
export interface AgentInfo {
  name: string;
  kind: AgentKind;
  /** The agent of `user_message` and of `start_agent` without `agent_name` (the first declared). */
  default: boolean;
  /** OpenAI-compatible agents. */
  model?: string;
  /** External agents: the endpoint, without credentials or query string. */
  url?: string;
  strict: boolean;
  stats: {
    runs: number;
    failed: number;
    p50_ms: number;
    p99_ms: number;
    /** Time to first token of streamed runs (null before any). */
    ttft_p50_ms: number | null;
    /** AG-UI events the agent sent that map to no run event, per AG-UI type. */
    ignored_events: Record<string, number>;
  };
}

/** What an alert rule watches (PROTOCOL.md "OpenTelemetry export and alerts"). */
export const ALERT_KINDS = ["isolation_violation", "pass_rate", "agent_error_rate", "agent_p99_ms", "trace_drops", "degraded"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_STATES = ["firing", "resolved"] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** One alert episode (`GET /api/alerts`, and the `alert` of every webhook notification). */
export interface AlertInfo {
  id: string;
  /** The rule's name. */
  name: string;
  kind: AlertKind;
  state: AlertState;
  started_at: string;
  resolved_at: string | null;
  /** What the rule measured when the episode fired (a rate, a p99 in ms, or a count in the window). */
  value: number;
  threshold: number | null;
}

/** Query parameters of the list endpoints. `before` is a cursor from `X-Next-Cursor`. */
export interface ListQuery {
  limit?: number;
  before?: string;
}
export interface TraceQuery extends ListQuery {
  run_id?: string;
  user_id?: string;
  type?: string;
  node_id?: string;
  trace_id?: string;
  kind?: TraceKind;
}
export interface SessionQuery extends ListQuery {
  user_id?: string;
  status?: SessionStatus;
}
export interface AlertQuery extends ListQuery {
  state?: AlertState;
}
export interface ConnectionQuery extends ListQuery {
  user_id?: string;
  node_id?: string;
}

/**
 * Every endpoint, by "METHOD path", with what it answers: the server's routes are checked against this
 * map and the dashboard's fetch helpers infer their types from it.
 */
export interface OperatorApi {
  "GET /api/health": { response: Health };
  "POST /api/session": { body: { token: string }; response: { user_id: string; role: "operator" } };
  "DELETE /api/session": { response: { ok: true } };
  "GET /api/handlers": { response: HandlerInfo[] };
  "GET /api/agents": { response: AgentInfo[] };
  "GET /api/handlers/unhandled": { query: ListQuery; response: UnhandledType[] };
  "GET /api/connections": { query: ConnectionQuery; response: ConnectionInfo[] };
  "GET /api/users": { query: ListQuery; response: UserSummary[] };
  "GET /api/stats": { response: StatsSnapshot };
  "GET /api/stats/series": { query: { minutes?: number }; response: SeriesPoint[] };
  "GET /api/traces": { query: TraceQuery; response: TraceEvent[] };
  "GET /api/sessions": { query: SessionQuery; response: SessionSummary[] };
  "GET /api/sessions/:id": { response: SessionDetail };
  "POST /api/sessions/:id/replay": { body: { faults?: ReplayFaults; agent?: ReplayAgentMode }; response: ReplayResult };
  "GET /api/sessions/:id/replays": { query: { limit?: number }; response: ReplayResult[] };
  "GET /api/sessions/:id/export": { response: Fixture };
  "GET /api/alerts": { query: AlertQuery; response: AlertInfo[] };
  /** Prometheus text format, not JSON. */
  "GET /metrics": { response: string };
}
export type Endpoint = keyof OperatorApi;
export type ResponseOf<E extends Endpoint> = OperatorApi[E]["response"];
