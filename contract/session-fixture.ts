import { z } from "zod";
import { AGENT_KINDS } from "./run-events";
import { REPLAY_FAULTS, SESSION_STATUSES, VERDICT_REASONS } from "./sessions";

/** The exported session (`GET /api/sessions/:id/export`), which `npm run replay -- <file>` replays with no server. */
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
    status: z.enum(SESSION_STATUSES),
    reasons: z.array(z.enum(VERDICT_REASONS)),
    agent_name: z.string(),
    agent_version: z.string(),
    agent_kind: z.enum(AGENT_KINDS).default("builtin"),
    ttft_ms: z.number().nullable().default(null),
    chunks: z.number().int().min(0).default(0),
    faults: z.record(z.string(), z.unknown()),
    inbound: z.array(z.object({ type: z.string(), message_id: z.string(), payload: z.record(z.string(), z.unknown()), at_ms: z.number() })),
    events: z.array(EventSchema),
    started_at: z.string(),
    ended_at: z.string().nullable(),
  }),
  /** How the fixture is replayed and what the regression suite expects of it. */
  replay: z.object({ faults: z.enum(REPLAY_FAULTS).default("recorded") }).default({ faults: "recorded" }),
  expect: z.object({ passed: z.boolean(), reasons: z.array(z.enum(VERDICT_REASONS)).optional() }).optional(),
});
export type Fixture = z.infer<typeof FixtureSchema>;
