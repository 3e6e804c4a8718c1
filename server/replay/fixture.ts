import { z } from "zod";
import type { SessionRecord } from "../store/records";
import { VERSION } from "../version";

export const FIXTURE_FORMAT = "switchyard.session-fixture/1";

const EventSchema = z.object({
  type: z.string(),
  seq: z.number().int().optional(),
  payload: z.record(z.string(), z.unknown()),
  emitted_at_ms: z.number(),
  deliveries: z.array(
    z.object({
      connection_id: z.string(),
      delivered: z.boolean(),
      acknowledged: z.boolean().optional(),
      recovered: z.boolean().optional(),
    }),
  ),
});

/** A self-contained session fixture: everything `npm run replay` needs, with what the replay should give. */
export const FixtureSchema = z.object({
  format: z.literal(FIXTURE_FORMAT),
  exported_at: z.string(),
  source: z.object({ node_id: z.string(), version: z.string() }),
  session: z.object({
    id: z.string(),
    user_id: z.string(),
    thread_id: z.string(),
    status: z.enum(["running", "passed", "failed", "cancelled"]),
    reasons: z.array(z.string()),
    agent_name: z.string(),
    agent_version: z.string(),
    faults: z.record(z.string(), z.unknown()),
    inbound: z.array(z.object({ type: z.string(), message_id: z.string(), payload: z.record(z.string(), z.unknown()), at_ms: z.number() })),
    events: z.array(EventSchema),
    started_at: z.string(),
    ended_at: z.string().nullable(),
  }),
  /** How the fixture is replayed and what the regression suite expects of it. */
  replay: z.object({ faults: z.enum(["recorded", "none"]).default("recorded") }).default({ faults: "recorded" }),
  expect: z.object({ passed: z.boolean(), reasons: z.array(z.string()).optional() }).optional(),
});
export type Fixture = z.infer<typeof FixtureSchema>;

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
    faults: s.faults,
    inbound: s.inbound,
    events: s.events,
    startedAt: Date.parse(s.started_at),
    endedAt: s.ended_at === null ? null : Date.parse(s.ended_at),
    updatedAt: Date.now(),
  };
}
