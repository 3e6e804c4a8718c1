import type { TokenUsage } from "@ag-ui/core";

/**
 * RUN_FINISHED's `usage` (one entry per provider and model) as `agent_completed.usage`: the entries'
 * input and output totals summed; undefined when no entry reports a count.
 */
export function runUsage(entries: readonly TokenUsage[] | undefined): { input_tokens: number; output_tokens: number } | undefined {
  let input = 0;
  let output = 0;
  let reported = false;
  for (const entry of entries ?? []) {
    if (typeof entry.inputTokens === "number") {
      input += entry.inputTokens;
      reported = true;
    }
    if (typeof entry.outputTokens === "number") {
      output += entry.outputTokens;
      reported = true;
    }
  }
  return reported ? { input_tokens: input, output_tokens: output } : undefined;
}
