import type { QualityMetrics, RunSummary } from "./quality-service";

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** Renders a markdown quality report from metrics and, for "detailed", the recent failed runs. */
export function renderQualityReport(
  kind: "summary" | "detailed",
  metrics: QualityMetrics,
  byAgent: QualityMetrics[],
  failures: RunSummary[],
): string {
  const lines = [
    `# Quality report (${kind})`,
    "",
    `Period: last ${metrics.period_hours} h · generated ${metrics.generated_at}`,
    "",
    `- Runs: **${metrics.total_runs}** (${metrics.completed} completed, ${metrics.failed} failed, ${metrics.cancelled} cancelled)`,
    `- Success rate: **${pct(metrics.success_rate)}** · error rate ${pct(metrics.error_rate)}`,
    `- Duration: avg ${metrics.avg_duration_ms} ms · p95 ${metrics.p95_duration_ms} ms`,
    `- Tools: ${metrics.tool_calls} calls, ${pct(metrics.tool_success_rate)} succeeded`,
    `- Quality score: **${metrics.quality_score}**`,
  ];
  if (kind === "detailed") {
    lines.push("", "## By agent", "", "| agent | runs | success | p95 ms | score |", "|---|---:|---:|---:|---:|");
    for (const m of byAgent)
      lines.push(`| ${m.agent_name} | ${m.total_runs} | ${pct(m.success_rate)} | ${m.p95_duration_ms} | ${m.quality_score} |`);
    lines.push("", "## Recent failures", "");
    if (failures.length === 0) lines.push("None in this period.");
    for (const f of failures.slice(-20).reverse())
      lines.push(`- \`${f.runId}\` ${f.agentName}, ${f.durationMs} ms, ${f.toolFailures} failed tool call(s)`);
  }
  return lines.join("\n") + "\n";
}
