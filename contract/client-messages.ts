import { z } from "zod";
import { AGENT_EVENT_TYPES } from "./run-events";

/**
 * What a client may send on the chat namespace, declared once: payload schemas by canonical type,
 * the aliases that resolve to them, and the envelope. Validation, TypeScript types, the registry's
 * reserved names and the docs all derive from these declarations.
 */

/**
 * A string of `min` to `max` UTF-16 code units, the contract's measure of text ("chars are UTF-16 code
 * units"). zod's own `.max()` counts code points, which would let astral characters (emoji) through at up
 * to twice the limit.
 */
const text = (max: number, min = 0) =>
  z
    .string()
    .min(min)
    .refine((s) => s.length <= max, { message: `Too big: expected string to have <=${max} characters` });

const ThreadRef = z.object({ thread_id: text(128, 1).optional() });
const Content = text(32768, 1);
const RunRef = z.object({ run_id: text(128, 1) });
const Empty = z.object({});
const PeriodHours = z
  .number()
  .positive()
  .max(24 * 365);

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
  start_agent: z.object({ content: Content, agent_name: text(64, 1).optional() }),
  stop_agent: RunRef,
  agent_status_request: RunRef,
  create_thread: z.object({ title: text(200).optional() }),
  get_thread_history: z.object({
    thread_id: text(128, 1),
    limit: z.number().int().min(1).max(1000).optional(),
    /** The `next_before` of the previous page: continue with older messages. */
    before: text(160, 1).optional(),
  }),
  jsonrpc_request: z.object({
    jsonrpc: z.literal("2.0"),
    method: text(64, 1),
    params: z.unknown().optional(),
    id: z.union([text(128), z.number(), z.null()]),
  }),
  error_message: z.object({ error_code: text(64, 1), error_message: text(4096) }),
  get_quality_metrics: z.object({
    agent_name: text(64, 1).optional(),
    period_hours: PeriodHours.optional(),
  }),
  subscribe_quality_alerts: z.object({ action: z.enum(["subscribe", "unsubscribe"]) }),
  validate_content: z.object({
    content: text(32768),
    content_type: text(64).optional(),
    strict_mode: z.boolean().optional(),
  }),
  generate_quality_report: z.object({
    report_type: z.enum(["summary", "detailed"]),
    period_hours: PeriodHours.optional(),
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

/** Fault injection settings a run may carry in `payload.simulate` (honoured only when enabled). */
export const SimulateSchema = z
  .object({
    fail_tool: z.boolean().optional(),
    delay_ms: z.number().int().min(0).max(60000).optional(),
    drop_event: z.enum(AGENT_EVENT_TYPES).optional(),
    throw: z.boolean().optional(),
  })
  .strip();
export type Faults = z.infer<typeof SimulateSchema>;

/** Longest `type` and longest id a client may send. */
export const MAX_TYPE_LENGTH = 64;
export const MAX_ID_LENGTH = 128;
const Id = text(MAX_ID_LENGTH, 1);

/**
 * The envelope a client sends. Unknown fields are ignored; `user_id` in particular never counts.
 * `payload: null` is accepted as no payload. Binary attachments (Buffers) are not objects here.
 */
export const EnvelopeSchema = z.object({
  type: text(MAX_TYPE_LENGTH, 1),
  message_id: Id.optional(),
  thread_id: Id.optional(),
  run_id: Id.optional(),
  payload: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((p) => p ?? undefined),
});
export type Envelope = z.output<typeof EnvelopeSchema>;
/** What a client passes to `socket.emit("message", envelope, ack)`. */
export type ClientEnvelope = z.input<typeof EnvelopeSchema>;
