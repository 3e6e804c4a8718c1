import type { AgentKind } from "@/contract/run-events";

const TITLE: Record<AgentKind, string> = {
  builtin: "built-in deterministic agent",
  "ag-ui": "external agent speaking AG-UI over HTTP",
  openai: "OpenAI-compatible chat completions endpoint",
};

/** The kind of agent a run was handed to: built-ins stay quiet, external kinds stand out a little. */
export function AgentKindBadge({ kind, testId = "agent-kind" }: { kind: AgentKind; testId?: string }) {
  return (
    <span className={`badge kind kind-${kind}`} data-testid={testId} data-kind={kind} title={TITLE[kind]}>
      {kind}
    </span>
  );
}
