import type { AgentEventType, AgentKind, ServerEventPayloads } from "../../contract";
import type { AgentRunContext, AgentRunner } from "../agent/agent-runner";
import type { SessionEventRecord } from "../store/records";

/** Events the run manager adds itself (a stop's `agent_completed {cancelled}` comes from the replayed stop_agent). */
const isAgentEvent = (e: SessionEventRecord): boolean => !(e.type === "agent_completed" && e.payload.status === "cancelled");

/**
 * Replays an external agent's run as it was recorded: the same events with the same payloads at the
 * same times (on the sandbox's virtual clock), with no network. Seq, delivery, the chunk policy and the
 * verdict are today's router's, so a recorded replay shows what the current code makes of that stream.
 */
export class RecordedAgent implements AgentRunner {
  readonly name: string;
  readonly version = "recorded";
  readonly kind: AgentKind;
  readonly #events: readonly SessionEventRecord[];

  constructor(name: string, kind: AgentKind, events: readonly SessionEventRecord[]) {
    this.name = name;
    this.kind = kind;
    this.#events = [...events].filter(isAgentEvent).sort((a, b) => a.emitted_at_ms - b.emitted_at_ms);
  }

  async run(ctx: AgentRunContext): Promise<void> {
    const started = ctx.now();
    for (const e of this.#events) {
      const wait = started + e.emitted_at_ms - ctx.now();
      if (wait > 0) await ctx.sleep(wait);
      if (ctx.signal.aborted) return;
      ctx.emit(e.type as AgentEventType, e.payload as ServerEventPayloads[AgentEventType]);
    }
  }
}
