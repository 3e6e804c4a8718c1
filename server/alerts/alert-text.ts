import type { AlertInfo } from "../../contract";

/** What each kind's value is, for the one human line of a notification. */
function figure(a: AlertInfo): string {
  const t = a.threshold;
  switch (a.kind) {
    case "isolation_violation":
      return `${a.value} isolation violation(s) in the window`;
    case "trace_drops":
      return `${a.value} trace event(s) dropped in the window (threshold ${t})`;
    case "pass_rate":
      return `golden-path pass rate ${pct(a.value)} below ${pct(t ?? 0)}`;
    case "agent_error_rate":
      return `agent error rate ${pct(a.value)} above ${pct(t ?? 0)}`;
    case "agent_p99_ms":
      return `agent run p99 ${Math.round(a.value)} ms above ${t} ms`;
    case "degraded":
      return "database or Redis unavailable";
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Slack's three escapes (`&`, `<`, `>`), so that no name turns into a link or a mention. */
const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The `text` of a webhook notification: one line, Slack-compatible (mrkdwn, escaped), e.g.
 * `:rotating_light: *FIRING* pass_rate (pass_rate): golden-path pass rate 40.0% below 95.0% on node-a since 2026-…`.
 */
export function alertText(a: AlertInfo, nodeId: string): string {
  const head = a.state === "firing" ? ":rotating_light: *FIRING*" : ":white_check_mark: *RESOLVED*";
  const when = a.state === "firing" ? `since ${a.started_at}` : `at ${a.resolved_at} (fired ${a.started_at})`;
  return escape(`${head} ${a.name} (${a.kind}): ${figure(a)} on ${nodeId} ${when}`);
}
