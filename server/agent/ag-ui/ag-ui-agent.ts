import type { AgentDeclaration } from "../../../contract";
import type { Logger } from "../../logger";
import type { AgentRunContext, AgentRunner } from "../agent-runner";
import { buildRunAgentInput } from "./run-input";
import { RunEventMapper } from "./run-event-mapper";
import { runAttempt } from "./stream-attempt";

type AgUiDeclaration = Extract<AgentDeclaration, { kind: "ag-ui" }>;

/** Waits before the second and third attempt (connection errors before the first event only). */
const RETRY_DELAYS_MS = [100, 300] as const;

/**
 * An agent that speaks AG-UI over HTTP + SSE (PROTOCOL.md "Agents"): POSTs the run as a RunAgentInput,
 * reads the event stream through @ag-ui/client's parser, chunk expansion and verification, and emits
 * the run events of the contract's table; a failure ends the run with `agent_error` and its code.
 */
export class AgUiAgent implements AgentRunner {
  readonly name: string;
  readonly version = "ag-ui";
  readonly kind = "ag-ui" as const;
  readonly #decl: AgUiDeclaration;

  /** Runs log through their own `ctx.logger` (status codes and error kinds only), not the catalog's. */
  constructor(decl: AgUiDeclaration, _logger: Logger) {
    this.name = decl.name;
    this.#decl = decl;
  }

  async run(ctx: AgentRunContext): Promise<void> {
    const startedAt = ctx.now();
    const firstEventBy = Date.now() + this.#decl.timeout_ms;
    const body = JSON.stringify(buildRunAgentInput(ctx, await ctx.history()));
    const mapper = new RunEventMapper(ctx, startedAt);
    for (let attempt = 0; ; attempt++) {
      const outcome = await runAttempt({
        ctx,
        mapper,
        url: this.#decl.url,
        headers: this.#decl.headers,
        body,
        timeoutMs: this.#decl.timeout_ms,
        firstEventBy,
      });
      if (outcome.kind !== "failed" || ctx.signal.aborted) return;
      const { failure } = outcome;
      const delay = RETRY_DELAYS_MS[attempt];
      if (outcome.retryable && delay !== undefined && Date.now() + delay < firstEventBy) {
        ctx.logger.info({ agent_kind: "ag-ui", error_kind: failure.kind, attempt: attempt + 1 }, "ag-ui agent unreachable, retrying");
        await ctx.sleep(delay);
        if (ctx.signal.aborted) return;
        continue;
      }
      ctx.logger.warn({ agent_kind: "ag-ui", error_code: failure.code, error_kind: failure.kind }, "ag-ui agent run failed");
      ctx.emit("agent_error", { error_code: failure.code, message: failure.message });
      return;
    }
  }
}
