import { isEventOf, type QualityMetrics, type ServerEvent } from "../../contract";
import type { Run, RunObserver } from "../agent/run";
import { buildEvent } from "../transport/event-factory";
import type { Delivery } from "../transport/delivery";

/** What quality metrics keep of one finished run. */
export interface RunSummary {
  runId: string;
  userId: string;
  agentName: string;
  status: Run["status"];
  durationMs: number;
  events: number;
  toolCalls: number;
  toolFailures: number;
  errorCode?: string;
  endedAt: number;
}

export type { QualityMetrics };

const KEPT_RUNS = 100_000;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Quality metrics from real run data, and alerts. Metrics are scoped to the asking user's own runs
 * (operators see everyone's); alert subscriptions only ever carry the subscriber's own runs.
 */
export class QualityService implements RunObserver {
  readonly #delivery: Delivery;
  readonly #runs: RunSummary[] = [];
  readonly #tools = new Map<string, { calls: number; failures: number }>();
  readonly #subscribers = new Set<string>();

  constructor(delivery: Delivery) {
    this.#delivery = delivery;
  }

  onRunEvent(run: Run, event: ServerEvent): void {
    if (!isEventOf(event, "tool_completed")) return;
    let t = this.#tools.get(run.id);
    if (!t) this.#tools.set(run.id, (t = { calls: 0, failures: 0 }));
    t.calls++;
    if (event.payload.success === false) t.failures++;
  }

  onRunEnded(run: Run): void {
    const tools = this.#tools.get(run.id) ?? { calls: 0, failures: 0 };
    this.#tools.delete(run.id);
    this.#runs.push({
      runId: run.id,
      userId: run.userId,
      agentName: run.agentName,
      status: run.status,
      durationMs: (run.endedAt ?? Date.now()) - run.startedAt,
      events: run.eventsEmitted,
      toolCalls: tools.calls,
      toolFailures: tools.failures,
      endedAt: run.endedAt ?? Date.now(),
    });
    if (this.#runs.length > KEPT_RUNS) this.#runs.splice(0, this.#runs.length - KEPT_RUNS);
    if (run.status === "failed" && this.#subscribers.has(run.userId)) {
      this.#delivery.toUser(
        buildEvent(
          "quality_alert",
          {
            severity: "warning",
            run_id: run.id,
            agent_name: run.agentName,
            message: `Run ${run.id} of ${run.agentName} failed.`,
            timestamp: new Date().toISOString(),
          },
          { user_id: run.userId, trace_id: run.traceId, run_id: run.id, thread_id: run.threadId },
        ),
      );
    }
  }

  subscribe(userId: string): void {
    this.#subscribers.add(userId);
  }

  unsubscribe(userId: string): void {
    this.#subscribers.delete(userId);
  }

  /** Runs that ended within the period, for one user (null: everyone) and optionally one agent. */
  runs(userId: string | null, periodHours: number, agentName?: string): RunSummary[] {
    const since = Date.now() - periodHours * 3_600_000;
    return this.#runs.filter(
      (r) => r.endedAt >= since && (userId === null || r.userId === userId) && (!agentName || r.agentName === agentName),
    );
  }

  metrics(userId: string | null, periodHours = 24, agentName?: string): QualityMetrics {
    const runs = this.runs(userId, periodHours, agentName);
    const n = runs.length;
    const count = (s: Run["status"]) => runs.filter((r) => r.status === s).length;
    const durations = runs.map((r) => r.durationMs).sort((a, b) => a - b);
    const toolCalls = runs.reduce((s, r) => s + r.toolCalls, 0);
    const toolFailures = runs.reduce((s, r) => s + r.toolFailures, 0);
    const successRate = n ? count("completed") / n : 0;
    const toolSuccess = toolCalls ? (toolCalls - toolFailures) / toolCalls : 0;
    return {
      agent_name: agentName ?? null,
      period_hours: periodHours,
      total_runs: n,
      completed: count("completed"),
      failed: count("failed"),
      cancelled: count("cancelled"),
      success_rate: round(successRate),
      error_rate: round(n ? count("failed") / n : 0),
      avg_duration_ms: round(n ? durations.reduce((s, d) => s + d, 0) / n : 0, 1),
      p95_duration_ms: durations.length ? durations[Math.min(durations.length - 1, Math.ceil(0.95 * durations.length) - 1)]! : 0,
      avg_events_per_run: round(n ? runs.reduce((s, r) => s + r.events, 0) / n : 0, 2),
      tool_calls: toolCalls,
      tool_success_rate: round(toolSuccess),
      // The headline number: successful runs weigh most, tool reliability the rest.
      quality_score: round(n ? 0.7 * successRate + 0.3 * toolSuccess : 0),
      generated_at: new Date().toISOString(),
    };
  }
}
