import { z } from "zod";

/**
 * The agents file (`AGENTS_FILE`, default `./switchyard.agents.json`): an array of agent declarations
 * (PROTOCOL.md "Agents"). Header values may be `"${ENV_NAME}"`, substituted from the environment at
 * start; secrets never live in the file itself.
 */
const Name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, "must be 1-64 characters of [A-Za-z0-9_.-]");
const Common = {
  name: Name,
  /** Strict agents keep the five-kind golden path; others need only start, answered tool calls, end. */
  strict: z.boolean().optional(),
  /** Longest silence inside a passing run (default: GOLDEN_GAP_MS for built-ins, timeout_ms otherwise). */
  gap_ms: z.number().int().positive().max(3_600_000).optional(),
  /** Runs of this agent at once; past it start_agent is RATE_LIMITED. */
  max_concurrent_runs: z.number().int().positive().optional(),
};
/** An external agent's `timeout_ms` when the declaration names none. */
export const DEFAULT_AGENT_TIMEOUT_MS = 120_000;
const TimeoutMs = z.number().int().positive().max(3_600_000).default(DEFAULT_AGENT_TIMEOUT_MS);
const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

export const BUILTIN_TOOLS = ["calculator", "knowledge_search"] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOLS)[number];

export const AgentDeclarationSchema = z.discriminatedUnion("kind", [
  z.strictObject({ ...Common, kind: z.literal("builtin"), stream: z.boolean().default(false) }),
  z.strictObject({
    ...Common,
    kind: z.literal("ag-ui"),
    url: HttpUrl,
    headers: z.record(z.string(), z.string()).default({}),
    timeout_ms: TimeoutMs,
  }),
  z.strictObject({
    ...Common,
    kind: z.literal("openai"),
    base_url: HttpUrl,
    model: z.string().min(1).max(256),
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
      .default("OPENAI_API_KEY"),
    system_prompt: z.string().max(32_768).optional(),
    tools: z.array(z.enum(BUILTIN_TOOLS)).default([...BUILTIN_TOOLS]),
    max_steps: z.number().int().min(1).max(64).default(8),
    timeout_ms: TimeoutMs,
  }),
]);
export type AgentDeclaration = z.output<typeof AgentDeclarationSchema>;
export const AgentsFileSchema = z.array(AgentDeclarationSchema);
