import { type AgentDeclaration, type AgentKind, DEFAULT_AGENT_TIMEOUT_MS } from "../../contract";
import type { Logger } from "../logger";
import { AgUiAgent } from "./ag-ui/ag-ui-agent";
import type { AgentRunner } from "./agent-runner";
import { BUILTIN_DECLARATIONS, declaredAgents } from "./agents-file";
import { BuiltinAgent } from "./builtin-agent";
import { OpenAiAgent } from "./openai/openai-agent";

/** A declared agent: its runner and the settings the router and the verdict apply to its runs. */
export interface AgentEntry {
  runner: AgentRunner;
  name: string;
  kind: AgentKind;
  strict: boolean;
  gapMs: number;
  maxConcurrentRuns: number | null;
  /** OpenAI-compatible agents. */
  model?: string;
  /** External agents: the endpoint without credentials or query string (safe to show). */
  url?: string;
}

/** An endpoint as it may be shown: no user, password, query or fragment. */
export function displayUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * How an agent's runs are judged, unless its declaration says otherwise: built-ins strictly with
 * GOLDEN_GAP_MS, external agents leniently with their `timeout_ms` as the gap. `decl` may be absent (a
 * recorded run replayed where the agent is no longer declared).
 */
export function verdictSettings(
  kind: AgentKind,
  decl: AgentDeclaration | undefined,
  defaultGapMs: number,
): { strict: boolean; gapMs: number } {
  const external = kind !== "builtin";
  const timeout = decl && decl.kind !== "builtin" ? decl.timeout_ms : DEFAULT_AGENT_TIMEOUT_MS;
  return { strict: decl?.strict ?? !external, gapMs: decl?.gap_ms ?? (external ? timeout : defaultGapMs) };
}

function entryOf(decl: AgentDeclaration, defaultGapMs: number, logger: Logger): AgentEntry {
  const base = {
    name: decl.name,
    kind: decl.kind,
    ...verdictSettings(decl.kind, decl, defaultGapMs),
    maxConcurrentRuns: decl.max_concurrent_runs ?? null,
  };
  switch (decl.kind) {
    case "builtin":
      return { ...base, runner: new BuiltinAgent(decl.name, { stream: decl.stream }) };
    case "ag-ui":
      return { ...base, runner: new AgUiAgent(decl, logger), url: displayUrl(decl.url) };
    case "openai":
      return { ...base, runner: new OpenAiAgent(decl, logger), url: displayUrl(decl.base_url), model: decl.model };
  }
}

/** The agents a run may name (`start_agent {agent_name}`); the first declared is the default. */
export class AgentCatalog {
  readonly #agents = new Map<string, AgentEntry>();
  readonly defaultName: string;

  /** `overrides` take the place of the declared agents of the same name, and come first. */
  constructor(declarations: AgentDeclaration[], defaultGapMs: number, logger: Logger, overrides: AgentEntry[] = []) {
    for (const entry of overrides) this.#agents.set(entry.name, entry);
    for (const decl of declaredAgents(declarations)) {
      if (!this.#agents.has(decl.name)) this.#agents.set(decl.name, entryOf(decl, defaultGapMs, logger));
    }
    this.defaultName = this.#agents.keys().next().value!;
  }

  /** The built-in agents only (the replay sandbox of a built-in run, tests). */
  static builtins(defaultGapMs: number, logger: Logger): AgentCatalog {
    return new AgentCatalog(BUILTIN_DECLARATIONS, defaultGapMs, logger);
  }

  get(name: string | undefined): AgentEntry | undefined {
    return this.#agents.get(name ?? this.defaultName);
  }

  names(): string[] {
    return [...this.#agents.keys()];
  }

  entries(): AgentEntry[] {
    return [...this.#agents.values()];
  }
}
