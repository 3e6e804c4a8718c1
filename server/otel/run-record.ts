import type { AgentKind } from "../../contract";
import type { ModelTurnReport } from "../agent/openai/turn-observer";
import type { RunStatus } from "../agent/run";

/** One tool call of a run: `tool_executing` to `tool_completed`. */
export interface ToolRecord {
  name: string;
  callId: string;
  start: number;
  end: number | null;
  success: boolean | null;
  /** Captured only with content capture on. */
  args?: unknown;
  result?: unknown;
}

/** The deliveries of one event type of a run, aggregated (one `switchyard.deliver` span). */
export interface DeliverRecord {
  type: string;
  first: number;
  last: number;
  events: number;
  /** Connections addressed for one event, at most. */
  maxConnections: number;
  /** Socket writes made. */
  writes: number;
  /** Writes the isolation check refused. */
  violations: number;
}

/** The message that started the run, and its way through the router (the `switchyard.route` span). */
export interface RouteRecord {
  messageType: string;
  messageId: string;
  handler: string | null;
  start: number | null;
  end: number | null;
}

/** Everything one run's trace is made of, collected while it runs; its spans are written at the end. */
export interface RunRecord {
  runId: string;
  traceId: string;
  userId: string;
  threadId: string;
  agentName: string;
  agentVersion: string;
  agentKind: AgentKind;
  /** OpenAI-compatible agents: the declared model. */
  model: string | undefined;
  startedAt: number;
  endedAt: number | null;
  status: RunStatus;
  /** Wall-clock ms when the run ended here (the verdict wait is measured from it). */
  endedSeenAt: number | null;
  verdictSeen: boolean;
  route: RouteRecord;
  tools: Map<string, ToolRecord>;
  deliveries: Map<string, DeliverRecord>;
  turns: ModelTurnReport[];
  errorCode: string | null;
  usage: { input_tokens: number; output_tokens: number } | null;
  /** Captured only with content capture on: the run's user message and final response. */
  input?: string;
  output?: string;
}

/** Most tool spans and chat spans one run's trace carries (a bound on memory per run; more are left out). */
export const MAX_CHILD_SPANS_PER_KIND = 256;

/** Milliseconds since the epoch with sub-millisecond precision (span timestamps). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
