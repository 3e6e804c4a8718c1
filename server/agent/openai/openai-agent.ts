import type { AgentDeclaration } from "../../../contract";
import type { Logger } from "../../logger";
import type { AgentRunContext, AgentRunner } from "../agent-runner";

type OpenAiDeclaration = Extract<AgentDeclaration, { kind: "openai" }>;

/** An agent that speaks the OpenAI chat completions API (streaming) (PROTOCOL.md "Agents"). */
export class OpenAiAgent implements AgentRunner {
  readonly name: string;
  readonly version = "openai";
  readonly kind = "openai" as const;
  readonly #decl: OpenAiDeclaration;
  readonly #logger: Logger;

  constructor(decl: OpenAiDeclaration, logger: Logger) {
    this.name = decl.name;
    this.#decl = decl;
    this.#logger = logger;
  }

  async run(ctx: AgentRunContext): Promise<void> {
    void this.#decl;
    void this.#logger;
    ctx.emit("agent_error", { error_code: "AGENT_UNAVAILABLE", message: "OpenAI-compatible agents are not implemented yet." });
  }
}
