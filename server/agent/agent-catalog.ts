import type { AgentRunner } from "./agent-runner";
import { BuiltinAgent } from "./builtin-agent";

/** The agents a run may name (`start_agent {agent_name}`); the first is the default. */
export class AgentCatalog {
  readonly #agents = new Map<string, AgentRunner>();
  readonly defaultName: string;

  constructor(agents: AgentRunner[] = [new BuiltinAgent("assistant"), new BuiltinAgent("researcher"), new BuiltinAgent("analyst")]) {
    for (const a of agents) this.#agents.set(a.name, a);
    this.defaultName = agents[0]!.name;
  }

  get(name: string | undefined): AgentRunner | undefined {
    return this.#agents.get(name ?? this.defaultName);
  }

  names(): string[] {
    return [...this.#agents.keys()];
  }
}
