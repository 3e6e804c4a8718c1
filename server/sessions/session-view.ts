import { AGENT_ERROR_CODES, type AgentErrorCode, type SessionDetail, type SessionSummary } from "../../contract";
import type { SessionRecord } from "../store/records";

const iso = (ms: number) => new Date(ms).toISOString();

/** The code of the run's `agent_error`, when it ended with one. */
function errorCodeOf(s: SessionRecord): AgentErrorCode | null {
  const error = s.events.find((e) => e.type === "agent_error");
  const code = error?.payload.error_code;
  return typeof code === "string" && (AGENT_ERROR_CODES as readonly string[]).includes(code) ? (code as AgentErrorCode) : null;
}

/** A session as lists show it. */
export function sessionSummary(s: SessionRecord): SessionSummary {
  return {
    id: s.id,
    user_id: s.userId,
    thread_id: s.threadId,
    node_id: s.nodeId,
    status: s.status,
    verdict: { passed: s.status === "passed", reasons: s.reasons },
    agent_name: s.agentName,
    agent_kind: s.agentKind,
    ttft_ms: s.ttftMs,
    chunks: s.chunks,
    error_code: errorCodeOf(s),
    started_at: iso(s.startedAt),
    ended_at: s.endedAt === null ? null : iso(s.endedAt),
    duration_ms: s.endedAt === null ? null : s.endedAt - s.startedAt,
    events_count: s.events.length,
  };
}

/** A session with everything recorded (GET /api/sessions/:id). */
export function sessionDetail(s: SessionRecord): SessionDetail {
  return {
    ...sessionSummary(s),
    verdict: { passed: s.status === "passed", reasons: s.reasons, details: s.details },
    agent_version: s.agentVersion,
    faults: s.faults,
    inbound: s.inbound,
    events: s.events,
  };
}
