import type { Ack } from "./ack";
import type { ErrorCode } from "./errors";
import { type AgentErrorCode, GOLDEN_PATH } from "./run-events";

/** One message of a thread's history (`thread_history`). */
export interface HistoryMessage {
  message_id: string;
  role: "user" | "assistant";
  content: string;
  run_id: string | null;
  created_at: string;
}

/** Quality figures of one scope (a user, or everyone for an operator) and optionally one agent. */
export type QualityMetrics = {
  agent_name: string | null;
  period_hours: number;
  total_runs: number;
  completed: number;
  failed: number;
  cancelled: number;
  success_rate: number;
  error_rate: number;
  avg_duration_ms: number;
  p95_duration_ms: number;
  avg_events_per_run: number;
  tool_calls: number;
  tool_success_rate: number;
  quality_score: number;
  generated_at: string;
};

/** One finding of `validate_content`. */
export interface ContentIssue {
  code: string;
  message: string;
  severity: "error" | "warning";
}

/** A JSON-RPC error object: -32601 unknown method, -32602 invalid params, -32000 anything else. */
export interface JsonRpcError {
  code: number;
  message: string;
}

/**
 * The payload of every event type the server sends, by type (PROTOCOL.md "Message types" and "The
 * golden path"). `reply`, `toUser` and the agents' `emit` are typed against this map.
 */
export interface ServerEventPayloads {
  connection_established: { connection_id: string; user_id: string; node_id: string };
  system_message:
    | { status: "connected" | "disconnect_acknowledged"; user_id: string }
    | { status: "broadcast"; content: string; priority: number; from: string };
  pong: { timestamp: string };
  heartbeat_ack: { status: "healthy"; timestamp: string };
  typing_acknowledged: { state: "typing" | "started" | "stopped"; thread_id?: string };
  agent_started: { agent_name: string; task_description: string };
  agent_thinking: { reasoning: string; step_number: number };
  tool_executing: { tool_name: string; tool_call_id: string; parameters: Record<string, unknown> };
  tool_completed: { tool_name: string; tool_call_id: string; results: unknown; duration_ms: number; success: boolean };
  /** Streamed text: one delta of the answer; a run's deltas joined are its `final_response`. */
  agent_response_chunk: { message_id: string; delta: string };
  agent_completed: {
    status: "completed" | "cancelled";
    final_response: string;
    duration_ms: number;
    /** When the agent reports it. */
    usage?: { input_tokens: number; output_tokens: number };
  };
  agent_error: { error_code: AgentErrorCode; message: string };
  agent_status_update: { run_id: string; status: "running" | "completed" | "failed" | "cancelled"; events_emitted: number };
  thread_created: { thread_id: string; title: string };
  /** One page, oldest first; `next_before` continues with older messages (null: the page reaches the thread's start). */
  thread_history: { thread_id: string; messages: HistoryMessage[]; next_before: string | null };
  jsonrpc_response: { jsonrpc: "2.0"; id: string | number | null } & ({ result: unknown } | { error: JsonRpcError });
  quality_metrics: QualityMetrics;
  quality_alerts_subscribed: { user_id: string; status: "subscribed" };
  quality_alerts_unsubscribed: { user_id: string; status: "unsubscribed" };
  quality_alert: { severity: "warning"; run_id: string; agent_name: string; message: string; timestamp: string };
  content_validation_result: { valid: boolean; score: number; issues: ContentIssue[] };
  quality_report_generated: {
    report: string;
    raw_data: { metrics: QualityMetrics; by_agent: QualityMetrics[] };
    timestamp: string;
  };
  /** Plain WebSocket only: the ack of one client frame, `{type: "message_ack", payload: <ack>}`. */
  message_ack: Ack;
  /** A refused message whose client sent no ack callback. */
  error_message: { error_code: ErrorCode; error_message: string };
}
export type ServerType = keyof ServerEventPayloads;

/**
 * Every type only the server sends; a client sending one gets SERVER_ONLY_TYPE. PROTOCOL.md lists
 * `pong` and `heartbeat_ack` among the server's types too, but its message table also declares them
 * as client types that are accepted without reply (a client answering the server's ping); the
 * table's specific rule wins, so they are client types here (see docs/protocol.md). `error_message`
 * is a client type as well (a client reporting an error).
 */
export const SERVER_ONLY_TYPES = [
  "connection_established",
  "system_message",
  "typing_acknowledged",
  ...GOLDEN_PATH,
  "agent_response_chunk",
  "agent_error",
  "agent_status_update",
  "thread_created",
  "thread_history",
  "jsonrpc_response",
  "quality_metrics",
  "quality_alerts_subscribed",
  "quality_alerts_unsubscribed",
  "quality_alert",
  "content_validation_result",
  "quality_report_generated",
  "message_ack",
] as const satisfies readonly ServerType[];

/** The ids an event carries besides its payload. */
export interface EventIds {
  thread_id?: string;
  run_id?: string;
  seq?: number;
}

/**
 * An event as written to a client (`socket.on("event", ...)`). `user_id` is the owning user; null only
 * for operator broadcasts. `seq` numbers a run's own events from 1. `ServerEvent` (no argument) is any
 * event with its payload left wide, as the delivery path carries it.
 */
export interface ServerEvent<T extends ServerType = ServerType> extends EventIds {
  type: T;
  payload: ServerEventPayloads[T];
  message_id: string;
  user_id: string | null;
  timestamp: string;
  trace_id: string;
}

/** Any event, as a union discriminated by `type`: what a client receives and narrows with `switch (event.type)`. */
export type AnyServerEvent = { [K in ServerType]: ServerEvent<K> }[ServerType];

/** Narrows a wide event to one type, payload included. */
export function isEventOf<T extends ServerType>(event: ServerEvent, type: T): event is ServerEvent<T> {
  return event.type === type;
}
