import { z } from "zod";

/**
 * The message types of the contract, declared once. Validation, TypeScript types, the registry's
 * reserved names and the docs all derive from these declarations.
 */

const ThreadRef = z.object({ thread_id: z.string().min(1).max(128).optional() });
const Content = z.string().min(1).max(32768);
const RunRef = z.object({ run_id: z.string().min(1).max(128) });
const Empty = z.object({});

/** Payload schemas of the types a client may send, by canonical type. */
export const CLIENT_PAYLOADS = {
  connect: Empty,
  disconnect: Empty,
  ping: Empty,
  heartbeat: Empty,
  pong: Empty,
  heartbeat_ack: Empty,
  user_typing: ThreadRef,
  typing_started: ThreadRef,
  typing_stopped: ThreadRef,
  user_message: z.object({ content: Content }),
  start_agent: z.object({ content: Content, agent_name: z.string().min(1).max(64).optional() }),
  stop_agent: RunRef,
  agent_status_request: RunRef,
  create_thread: z.object({ title: z.string().max(200).optional() }),
  get_thread_history: z.object({
    thread_id: z.string().min(1).max(128),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  jsonrpc_request: z.object({
    jsonrpc: z.literal("2.0"),
    method: z.string().min(1).max(64),
    params: z.unknown().optional(),
    id: z.union([z.string().max(128), z.number(), z.null()]),
  }),
  error_message: z.object({ error_code: z.string().min(1).max(64), error_message: z.string().max(4096) }),
  get_quality_metrics: z.object({
    agent_name: z.string().min(1).max(64).optional(),
    period_hours: z
      .number()
      .positive()
      .max(24 * 365)
      .optional(),
  }),
  subscribe_quality_alerts: z.object({ action: z.enum(["subscribe", "unsubscribe"]) }),
  validate_content: z.object({
    content: z.string().max(32768),
    content_type: z.string().max(64).optional(),
    strict_mode: z.boolean().optional(),
  }),
  generate_quality_report: z.object({
    report_type: z.enum(["summary", "detailed"]),
    period_hours: z
      .number()
      .positive()
      .max(24 * 365)
      .optional(),
  }),
  broadcast: z.object({ content: Content, priority: z.number().min(0).max(100).optional() }),
} as const satisfies Record<string, z.ZodType>;

export type ClientType = keyof typeof CLIENT_PAYLOADS;
export type PayloadOf<T extends ClientType> = z.infer<(typeof CLIENT_PAYLOADS)[T]>;
export const CLIENT_TYPES = Object.keys(CLIENT_PAYLOADS) as ClientType[];

/** Legacy and convenience names, resolved to their canonical type before anything else looks at them. */
export const ALIASES = {
  connected: "connect",
  typing: "user_typing",
  chat: "user_message",
  user: "user_message",
  user_input: "user_message",
  message: "user_message",
  chat_message: "user_message",
  execute_agent: "start_agent",
  agent_request: "start_agent",
  agent: "start_agent",
  error: "error_message",
} as const satisfies Record<string, ClientType>;

/** The five event kinds of a successful run, in order. */
export const GOLDEN_PATH = ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"] as const;
export type GoldenType = (typeof GOLDEN_PATH)[number];

/**
 * Every type only the server sends; a client sending one gets SERVER_ONLY_TYPE. PROTOCOL.md lists
 * `pong` and `heartbeat_ack` among the server's types too, but its message table also declares them
 * as client types that are accepted without reply (a client answering the server's ping); the
 * table's specific rule wins, so they are client types here (see docs/protocol.md).
 */
export const SERVER_ONLY_TYPES = [
  "connection_established",
  "system_message",
  "typing_acknowledged",
  ...GOLDEN_PATH,
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
] as const;
/** Types the server may send (server-only ones plus the two the client may send too). */
export type ServerType = (typeof SERVER_ONLY_TYPES)[number] | "pong" | "heartbeat_ack";

/** Types whose events carry `seq` (the run's own events). */
export const SEQUENCED_TYPES: ReadonlySet<string> = new Set<string>([...GOLDEN_PATH, "agent_error"]);

/** Fault injection settings a run may carry in `payload.simulate` (honoured only when enabled). */
export const SimulateSchema = z
  .object({
    fail_tool: z.boolean().optional(),
    delay_ms: z.number().int().min(0).max(60000).optional(),
    drop_event: z.enum([...GOLDEN_PATH, "agent_error"]).optional(),
    throw: z.boolean().optional(),
  })
  .strip();
export type Faults = z.infer<typeof SimulateSchema>;

/** The envelope a client sends. Unknown fields are ignored; `user_id` in particular never counts. */
export const EnvelopeSchema = z.object({
  type: z.string().min(1).max(64),
  payload: z.record(z.string(), z.unknown()).optional(),
  message_id: z.string().min(1).max(128).optional(),
  thread_id: z.string().min(1).max(128).optional(),
  run_id: z.string().min(1).max(128).optional(),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;
