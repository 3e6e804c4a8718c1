/**
 * Typed client for the operator HTTP API (PROTOCOL.md "Operator surfaces"). Browser only: it talks
 * to the same origin with the login cookie and never imports anything from server/.
 */

export type UserId = string;
export type ConnectionId = string;
export type RunId = string;
export type TraceId = string;
export type NodeId = string;

/** Trace kinds of the contract, one per routing step. */
export const TRACE_KINDS = [
  "received",
  "rejected",
  "routed",
  "handler_started",
  "handler_finished",
  "handler_failed",
  "emitted",
  "delivered",
  "undelivered",
  "acknowledged",
  "connection_opened",
  "connection_closed",
  "isolation_violation",
  "session_verdict",
] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

/** The five event kinds of a passing run, in order. */
export const GOLDEN_PATH = ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"] as const;
export type GoldenType = (typeof GOLDEN_PATH)[number];

export const SESSION_STATUSES = ["running", "passed", "failed", "cancelled"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface TraceEvent {
  id: string;
  trace_id: TraceId;
  /** Epoch milliseconds (the server also tolerates ISO strings here). */
  ts: number | string;
  node_id: NodeId;
  kind: TraceKind;
  user_id?: UserId | null;
  connection_id?: ConnectionId | null;
  message_type?: string | null;
  handler?: string | null;
  run_id?: RunId | null;
  thread_id?: string | null;
  duration_ms?: number | null;
  error?: { code: string; message: string } | null;
}

export interface HandlerStats {
  count: number;
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

export interface HandlerInfo {
  type: string;
  aliases: string[];
  handler: string;
  source: string;
  stats: HandlerStats;
}

export interface UnhandledType {
  type: string;
  count: number;
  last_seen: string | number | null;
}

export interface UserSummary {
  user_id: UserId;
  connections: number;
  events_delivered: number;
  isolation_violations: number;
  last_activity: string | number | null;
}

export interface ConnectionInfo {
  connection_id: ConnectionId;
  user_id: UserId;
  node_id: NodeId;
  connected_at: string | number;
  last_activity: string | number | null;
}

export interface SeriesPoint {
  /** ISO time (or epoch ms) of the second this point covers. */
  t: string | number;
  messages: number;
  events: number;
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

export interface Stats {
  connections: number;
  users: number;
  messages_routed: number;
  events_delivered: number;
  errors: number;
  isolation_violations: number;
  sessions: { passed: number; failed: number; running: number };
}

export interface Health {
  status: "ok" | "degraded";
  node_id: NodeId;
  version: string;
  uptime_s: number;
  db: string;
}

/** A verdict reason: the contract names codes; a server may send them bare or with detail. */
export type VerdictReason =
  string | { code?: string; reason?: string; kind?: string; message?: string; detail?: string; type?: string; seq?: number };

export interface Verdict {
  passed: boolean;
  reasons: VerdictReason[];
  /** One line per finding naming the event involved (session detail only). */
  details?: string[];
}

export interface SessionSummary {
  id: RunId;
  user_id: UserId;
  thread_id: string | null;
  status: SessionStatus;
  verdict: Verdict | null;
  agent_name?: string | null;
  agent_version?: string | null;
  faults?: unknown;
  started_at: string | number;
  ended_at?: string | number | null;
  node_id?: NodeId | null;
  duration_ms?: number | null;
  events_count?: number;
}

export interface SessionInbound {
  type: string;
  message_id: string | null;
  payload: unknown;
  at_ms: number;
}

export interface SessionDelivery {
  connection_id: ConnectionId;
  delivered: boolean;
  recovered?: boolean;
  acknowledged?: boolean;
}

export interface SessionEvent {
  type: string;
  seq?: number | null;
  payload: unknown;
  emitted_at_ms: number;
  deliveries: SessionDelivery[];
}

export interface SessionDetail extends SessionSummary {
  inbound: SessionInbound[];
  events: SessionEvent[];
}

export const DIFF_STATUSES = ["same", "missing", "extra", "changed"] as const;
export type DiffStatus = (typeof DIFF_STATUSES)[number];

export interface DiffEntry {
  status: DiffStatus;
  type: string;
  recorded?: unknown;
  replayed?: unknown;
  changes?: unknown;
}

export interface ReplayDiff {
  first_divergence: number | null;
  entries: DiffEntry[];
}

export type ReplayFaults = "recorded" | "none";

export interface ReplayResult {
  replay_id: string;
  verdict: Verdict;
  diff: ReplayDiff;
}

/** One earlier replay; the list may carry the full result or only its summary. */
export interface ReplaySummary {
  replay_id: string;
  faults?: string | null;
  created_at?: string | number | null;
  verdict?: Verdict | null;
  diff?: ReplayDiff | null;
}

export interface TraceFilter {
  run_id?: string;
  user_id?: string;
  type?: string;
  kind?: TraceKind;
  limit?: number;
}

export interface SessionFilter {
  status?: SessionStatus;
  user_id?: string;
  limit?: number;
}

/** An API failure with the contract's error code (or HTTP_<status> / NETWORK when there was none). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

function isErrorBody(v: unknown): v is ApiErrorBody {
  if (typeof v !== "object" || v === null || !("error" in v)) return false;
  const e = v.error;
  return typeof e === "object" && e !== null && "code" in e;
}

let redirecting = false;

/** A 401 means the cookie is gone or expired: the whole console is unusable, so go log in again. */
function redirectToLogin(): void {
  if (typeof window === "undefined" || redirecting) return;
  if (window.location.pathname === "/login") return;
  redirecting = true;
  window.location.assign("/login");
}

function query(params: object): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : "";
}

interface RequestOptions {
  method?: "GET" | "POST" | "DELETE";
  body?: unknown;
  /** Login itself must not bounce to /login on 401: it shows the error instead. */
  redirectOn401?: boolean;
  signal?: AbortSignal;
}

/** The one fetch of the dashboard: same origin, cookie auth, contract errors turned into ApiError. */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const { method = "GET", body, redirectOn401 = true, signal } = opts;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError(0, "NETWORK", "The server is unreachable.");
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && redirectOn401) redirectToLogin();
    if (isErrorBody(data)) throw new ApiError(res.status, data.error.code, data.error.message);
    throw new ApiError(res.status, `HTTP_${res.status}`, `${method} ${path} failed with HTTP ${res.status}.`);
  }
  return data as T;
}

/** The largest `limit` a list endpoint accepts. */
export const LIST_MAX = 1000;

/** Typed wrappers, one per endpoint of the contract. */
export const api = {
  health: () => request<Health>("/api/health"),
  login: (token: string) => request<unknown>("/api/session", { method: "POST", body: { token }, redirectOn401: false }),
  logout: () => request<unknown>("/api/session", { method: "DELETE", redirectOn401: false }),
  stats: () => request<Stats>("/api/stats"),
  series: (minutes: number) => request<SeriesPoint[]>(`/api/stats/series${query({ minutes })}`),
  handlers: () => request<HandlerInfo[]>("/api/handlers"),
  unhandled: () => request<UnhandledType[]>("/api/handlers/unhandled"),
  // Lists default to 100 rows; these two are read whole (up to the contract's max) to join them.
  users: () => request<UserSummary[]>(`/api/users${query({ limit: LIST_MAX })}`),
  connections: () => request<ConnectionInfo[]>(`/api/connections${query({ limit: LIST_MAX })}`),
  traces: (f: TraceFilter) => request<TraceEvent[]>(`/api/traces${query(f)}`),
  sessions: (f: SessionFilter) => request<SessionSummary[]>(`/api/sessions${query(f)}`),
  session: (id: string) => request<SessionDetail>(`/api/sessions/${encodeURIComponent(id)}`),
  replay: (id: string, faults: ReplayFaults) =>
    request<ReplayResult>(`/api/sessions/${encodeURIComponent(id)}/replay`, { method: "POST", body: { faults } }),
  replays: (id: string) => request<ReplaySummary[]>(`/api/sessions/${encodeURIComponent(id)}/replays`),
  exportUrl: (id: string) => `/api/sessions/${encodeURIComponent(id)}/export`,
} as const;

/** A reason as a code plus optional detail, whatever shape the server sent. */
export function reasonParts(r: VerdictReason): { code: string; detail: string | null } {
  if (typeof r === "string") {
    const i = r.indexOf(":");
    return i > 0 ? { code: r.slice(0, i).trim(), detail: r.slice(i + 1).trim() || null } : { code: r, detail: null };
  }
  const code = r.code ?? r.reason ?? r.kind ?? "unknown";
  const detail = r.message ?? r.detail ?? (r.type ? `${r.type}${r.seq !== undefined ? ` #${r.seq}` : ""}` : null);
  return { code, detail };
}
