import type { AgentDeclaration } from "../../../contract";
import type { Logger } from "../../logger";
import type { AgentRunContext, AgentRunner } from "../agent-runner";

type AgUiDeclaration = Extract<AgentDeclaration, { kind: "ag-ui" }>;

/** An agent that speaks AG-UI over HTTP + SSE (PROTOCOL.md "Agents"). */
export class AgUiAgent implements AgentRunner {
  readonly name: string;
  readonly version = "ag-ui";
  readonly kind = "ag-ui" as const;
  readonly #decl: AgUiDeclaration;
  readonly #logger: Logger;

  constructor(decl: AgUiDeclaration, logger: Logger) {
    this.name = decl.name;
    this.#decl = decl;
    this.#logger = logger;
  }

  async run(ctx: AgentRunContext): Promise<void> {
    void this.#decl;
    void this.#logger;
    ctx.emit("agent_error", { error_code: "AGENT_UNAVAILABLE", message: "AG-UI agents are not implemented yet." });
  }
}
