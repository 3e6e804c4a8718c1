import type { AgentErrorCode, AgentKind } from "./run-events";

/** A session is one run, judged against the golden path (PROTOCOL.md "The golden path"). */
export const SESSION_STATUSES = ["running", "passed", "failed", "cancelled"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Why a run failed, in the order a verdict lists them. */
export const VERDICT_REASONS = [
  "missing_event",
  "out_of_order",
  "gap",
  "agent_error",
  "undelivered",
  "isolation_violation",
  "interrupted",
  "unpaired_tool_call",
] as const;
export type VerdictReason = (typeof VERDICT_REASONS)[number];

export interface Verdict {
  passed: boolean;
  reasons: VerdictReason[];
  /** One line per finding, naming the event involved (session detail and replays). */
  details?: string[];
}

/** One inbound message of a session, with its time relative to the session start (for replay). */
export interface SessionInbound {
  type: string;
  message_id: string;
  payload: Record<string, unknown>;
  at_ms: number;
}

/** Where one event went: each connection of the user open when it was emitted. */
export interface SessionDelivery {
  connection_id: string;
  delivered: boolean;
  acknowledged?: boolean;
  recovered?: boolean;
}

/** One event the run emitted, with its time relative to the session start and its deliveries. */
export interface SessionEvent {
  type: string;
  seq?: number;
  payload: Record<string, unknown>;
  emitted_at_ms: number;
  deliveries: SessionDelivery[];
}

/** A session as lists show it (`GET /api/sessions`). Times are ISO 8601. */
export interface SessionSummary {
  id: string;
  user_id: string;
  thread_id: string;
  node_id: string;
  status: SessionStatus;
  verdict: Verdict;
  agent_name: string;
  agent_kind: AgentKind;
  /** Streamed runs: from the inbound message to the first `agent_response_chunk`, else null. */
  ttft_ms: number | null;
  /** `agent_response_chunk` events the run sent. */
  chunks: number;
  /** The `error_code` of the run's `agent_error`, when it ended with one. */
  error_code: AgentErrorCode | null;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  events_count: number;
}

/** A session with everything recorded (`GET /api/sessions/:id`). */
export interface SessionDetail extends SessionSummary {
  verdict: Verdict & { details: string[] };
  agent_version: string;
  faults: Record<string, unknown>;
  inbound: SessionInbound[];
  events: SessionEvent[];
}

/**
 * How a replay runs the agent: `recorded` feeds the recorded agent events back (no network,
 * deterministic; the default for external agents), `live` runs the agent again (built-ins always).
 */
export const REPLAY_AGENT_MODES = ["recorded", "live"] as const;
export type ReplayAgentMode = (typeof REPLAY_AGENT_MODES)[number];

/** How a replay treats the recorded faults. */
export const REPLAY_FAULTS = ["recorded", "none"] as const;
export type ReplayFaults = (typeof REPLAY_FAULTS)[number];

/** An event as the diff shows it: ids, timestamps and durations removed, so equal runs compare equal. */
export interface ComparableEvent {
  type: string;
  seq?: number;
  at_ms: number;
  payload: Record<string, unknown>;
}

export interface FieldChange {
  path: string;
  recorded: unknown;
  replayed: unknown;
}

export const DIFF_STATUSES = ["same", "missing", "extra", "changed"] as const;
export type DiffStatus = (typeof DIFF_STATUSES)[number];

export interface DiffEntry {
  status: DiffStatus;
  type: string;
  recorded?: ComparableEvent;
  replayed?: ComparableEvent;
  changes?: FieldChange[];
  /** Replayed minus recorded emission time (relative to the session start), for aligned events. */
  timing_delta_ms?: number;
}

export interface ReplayDiff {
  first_divergence: number | null;
  entries: DiffEntry[];
}

/** The answer of `POST /api/sessions/:id/replay`, and one item of `GET /api/sessions/:id/replays`. */
export interface ReplayResult {
  replay_id: string;
  session_id: string;
  faults: ReplayFaults;
  verdict: Verdict & { details: string[] };
  diff: ReplayDiff;
  /** The replayed run's events, comparable form. */
  events: ComparableEvent[];
  /** The agent that ran the replay, and the version that ran the recording (null for old replays). */
  agent: { name: string; version: string; recorded_version: string; mode?: ReplayAgentMode } | null;
  created_at: string;
}
