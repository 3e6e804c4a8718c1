import type { AgentInfo, ServerEvent } from "../../contract";
import { LatencyHistogram } from "../stats/latency-histogram";
import type { AgentCatalog } from "./agent-catalog";
import type { Run, RunObserver } from "./run";

interface AgentFigures {
  runs: number;
  failed: number;
  durations: LatencyHistogram;
  ttft: LatencyHistogram;
  ignored: Map<string, number>;
}

/** Distinct ignored event types counted per agent at most (the names come from the agent). */
const MAX_IGNORED_TYPES = 64;

/**
 * Per-agent figures of this node for `GET /api/agents`: runs ended, failed, run time p50/p99, time to
 * first token of streamed runs, and the AG-UI events each agent sent that map to no run event.
 */
export class AgentStats implements RunObserver {
  readonly #figures = new Map<string, AgentFigures>();
  /** Runs still waiting for their first chunk: the ms it came after the run started. */
  readonly #firstChunk = new Map<string, number>();

  #of(agent: string): AgentFigures {
    let f = this.#figures.get(agent);
    if (!f)
      this.#figures.set(
        agent,
        (f = { runs: 0, failed: 0, durations: new LatencyHistogram(), ttft: new LatencyHistogram(), ignored: new Map() }),
      );
    return f;
  }

  onRunEvent(run: Run, event: ServerEvent): void {
    if (event.type === "agent_response_chunk" && !this.#firstChunk.has(run.id)) this.#firstChunk.set(run.id, Date.now() - run.startedAt);
  }

  onRunEnded(run: Run): void {
    const f = this.#of(run.agentName);
    f.runs++;
    if (run.status === "failed") f.failed++;
    f.durations.record((run.endedAt ?? Date.now()) - run.startedAt);
    const ttft = this.#firstChunk.get(run.id);
    if (ttft !== undefined) {
      f.ttft.record(ttft);
      this.#firstChunk.delete(run.id);
    }
  }

  onIgnoredEvent(run: Run, eventType: string): void {
    const { ignored } = this.#of(run.agentName);
    const type = eventType.slice(0, 64);
    if (ignored.has(type) || ignored.size < MAX_IGNORED_TYPES) ignored.set(type, (ignored.get(type) ?? 0) + 1);
  }

  /** Every declared agent with its figures, in declaration order. */
  list(catalog: AgentCatalog): AgentInfo[] {
    return catalog.entries().map((a) => {
      const f = this.#figures.get(a.name);
      const info: AgentInfo = {
        name: a.name,
        kind: a.kind,
        default: a.name === catalog.defaultName,
        strict: a.strict,
        stats: {
          runs: f?.runs ?? 0,
          failed: f?.failed ?? 0,
          p50_ms: f?.durations.quantile(0.5) ?? 0,
          p99_ms: f?.durations.quantile(0.99) ?? 0,
          ttft_p50_ms: f && f.ttft.total > 0 ? f.ttft.quantile(0.5) : null,
          ignored_events: Object.fromEntries(f?.ignored ?? []),
        },
      };
      if (a.model) info.model = a.model;
      if (a.url) info.url = a.url;
      return info;
    });
  }
}
