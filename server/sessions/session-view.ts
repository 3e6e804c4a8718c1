import type { SessionRecord, SessionStatus } from "../store/records";

export const SESSION_STATUSES = ["running", "passed", "failed", "cancelled"] as const satisfies readonly SessionStatus[];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A session as lists show it. */
export function sessionSummary(s: SessionRecord) {
  return {
    id: s.id,
    user_id: s.userId,
    thread_id: s.threadId,
    node_id: s.nodeId,
    status: s.status,
    verdict: { passed: s.status === "passed", reasons: s.reasons },
    agent_name: s.agentName,
    started_at: iso(s.startedAt),
    ended_at: iso(s.endedAt),
    duration_ms: s.endedAt === null ? null : s.endedAt - s.startedAt,
    events_count: s.events.length,
  };
}

/** A session with everything recorded (GET /api/sessions/:id). */
export function sessionDetail(s: SessionRecord) {
  return {
    ...sessionSummary(s),
    verdict: { passed: s.status === "passed", reasons: s.reasons, details: s.details },
    agent_version: s.agentVersion,
    faults: s.faults,
    inbound: s.inbound,
    events: s.events,
  };
}
