import { z } from "zod";
import { ALERT_KINDS } from "./operator-api";

/**
 * The alerts file (`ALERTS_FILE`, default `./switchyard.alerts.json` when it exists): an array of rules
 * (PROTOCOL.md "OpenTelemetry export and alerts"). Omitted fields take the kind's defaults
 * (server/alerts/alert-rules.ts); rates are fractions in [0, 1].
 */
const RuleName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, "must be 1-64 characters of [A-Za-z0-9_.-]");

export const AlertRuleSchema = z
  .strictObject({
    name: RuleName,
    kind: z.enum(ALERT_KINDS),
    /** pass_rate: fires below it; agent_error_rate, agent_p99_ms, trace_drops, isolation_violation: above it. */
    threshold: z.number().min(0).max(1e9).optional(),
    /** The window the rule measures over, and that must be clear for the episode to resolve. */
    window_s: z.number().int().min(1).max(86_400).optional(),
    /** Run-based kinds: fewer finished runs in the window count as clear. */
    min_runs: z.number().int().min(1).max(100_000).optional(),
    /** agent_error_rate, agent_p99_ms: one agent's runs only (all agents when absent). */
    agent: z.string().min(1).max(64).optional(),
  })
  .superRefine((rule, ctx) => {
    const rate = rule.kind === "pass_rate" || rule.kind === "agent_error_rate";
    if (rate && rule.threshold !== undefined && rule.threshold > 1)
      ctx.addIssue({ code: "custom", path: ["threshold"], message: "a rate threshold must be between 0 and 1" });
    const runBased = rate || rule.kind === "agent_p99_ms";
    if (!runBased && rule.min_runs !== undefined)
      ctx.addIssue({ code: "custom", path: ["min_runs"], message: `min_runs applies to run-based kinds only, not ${rule.kind}` });
    if (rule.agent !== undefined && rule.kind !== "agent_error_rate" && rule.kind !== "agent_p99_ms")
      ctx.addIssue({ code: "custom", path: ["agent"], message: "agent applies to agent_error_rate and agent_p99_ms only" });
  });
export type AlertRuleDeclaration = z.output<typeof AlertRuleSchema>;
export const AlertsFileSchema = z.array(AlertRuleSchema).max(100);
