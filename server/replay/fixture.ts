import { FIXTURE_FORMAT, type Fixture } from "../../contract/session-fixture";
import type { SessionRecord } from "../store/records";
import { VERSION } from "../version";

/** Exports a session as a fixture; by default a replay with recorded faults is expected to reproduce the recorded verdict. */
export function toFixture(s: SessionRecord, nodeId: string): Fixture {
  return {
    format: FIXTURE_FORMAT,
    exported_at: new Date().toISOString(),
    source: { node_id: nodeId, version: VERSION },
    session: {
      id: s.id,
      user_id: s.userId,
      thread_id: s.threadId,
      status: s.status,
      reasons: s.reasons,
      agent_name: s.agentName,
      agent_version: s.agentVersion,
      agent_kind: s.agentKind,
      ttft_ms: s.ttftMs,
      chunks: s.chunks,
      faults: s.faults,
      inbound: s.inbound,
      events: s.events,
      started_at: new Date(s.startedAt).toISOString(),
      ended_at: s.endedAt === null ? null : new Date(s.endedAt).toISOString(),
    },
    replay: { faults: "recorded" },
    expect: { passed: s.status === "passed", reasons: s.status === "failed" ? s.reasons : [] },
  };
}

/** Reads a fixture back into a session record. */
export function fromFixture(f: Fixture): SessionRecord {
  const s = f.session;
  return {
    id: s.id,
    userId: s.user_id,
    threadId: s.thread_id,
    nodeId: f.source.node_id,
    status: s.status,
    reasons: s.reasons,
    details: [],
    agentName: s.agent_name,
    agentVersion: s.agent_version,
    agentKind: s.agent_kind,
    ttftMs: s.ttft_ms,
    chunks: s.chunks,
    faults: s.faults,
    inbound: s.inbound,
    events: s.events,
    startedAt: Date.parse(s.started_at),
    endedAt: s.ended_at === null ? null : Date.parse(s.ended_at),
    updatedAt: Date.now(),
  };
}
