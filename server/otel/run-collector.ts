import { type ServerEvent, type ServerEventPayloads, type TraceEvent } from "../../contract";
import type { ModelTurnObserver, ModelTurnReport } from "../agent/openai/turn-observer";
import type { InboundNote, Run, RunObserver } from "../agent/run";
import type { TraceSink } from "../trace/tracer";
import type { DeliveryObserver, DeliveryRecord } from "../transport/delivery";
import { epochMs, MAX_CHILD_SPANS_PER_KIND, type RunRecord } from "./run-record";

/** Runs collected at once at most; a run starting beyond this is not traced (counted). */
export const MAX_OPEN_RUNS = 10_000;
/** How long an ended run waits for its golden-path verdict before its trace is written without it. */
export const VERDICT_WAIT_MS = 5_000;
/** `received` trace times kept to start the `switchyard.route` spans (the most recent messages). */
const RECEIVED_KEPT = 4_096;
const SWEEP_EVERY_MS = 1_000;

export interface CollectorDeps {
  /** The session recorder's verdict of a run, while it holds the session. */
  verdictOf(runId: string): { status: string; reasons: readonly string[] } | undefined;
  /** The declared model of an OpenAI-compatible agent. */
  modelOf(agentName: string): string | undefined;
  captureContent: boolean;
  /** Writes a finished run's spans (run-spans.ts). */
  write(record: RunRecord, verdict: { status: string; reasons: readonly string[] } | undefined): void;
  /** A run that was not traced because MAX_OPEN_RUNS were open. */
  untraced(): void;
  /** Writing a run's spans threw (a bug): logged, the run is left out. */
  failed(err: unknown): void;
}

/**
 * Collects each run's trace from the observers the node already has: run events (tools, the end),
 * deliveries (per event type), model turns (OpenAI-compatible agents) and, off the routing path in the
 * tracer's batches, the route steps, isolation refusals and the verdict. The work on the routing path
 * is a map lookup and a few counters per event; the spans are built once the verdict is known, in the
 * tracer's flush. The exporter only observes: nothing here can change what is routed or delivered.
 */
export class RunCollector implements RunObserver, DeliveryObserver, TraceSink, ModelTurnObserver {
  readonly #open = new Map<string, RunRecord>();
  readonly #received = new Map<string, number>();
  /** Runs that ended after their verdict came (a gap verdict): written at the next batch. */
  #ready: RunRecord[] = [];
  readonly #deps: CollectorDeps;
  readonly #timer: NodeJS.Timeout;

  constructor(deps: CollectorDeps) {
    this.#deps = deps;
    this.#timer = setInterval(() => this.#sweep(), SWEEP_EVERY_MS);
    this.#timer.unref();
  }

  /** Runs being collected now. */
  get open(): number {
    return this.#open.size;
  }

  onRunStarted(run: Run, inbound: InboundNote): void {
    if (this.#open.size >= MAX_OPEN_RUNS) return this.#deps.untraced();
    this.#open.set(run.id, {
      runId: run.id,
      traceId: run.traceId,
      userId: run.userId,
      threadId: run.threadId,
      agentName: run.agentName,
      agentVersion: run.agentVersion,
      agentKind: run.agentKind,
      model: run.agentKind === "openai" ? this.#deps.modelOf(run.agentName) : undefined,
      startedAt: run.startedAt,
      endedAt: null,
      status: "running",
      endedSeenAt: null,
      verdictSeen: false,
      route: { messageType: inbound.type, messageId: inbound.message_id, handler: null, start: null, end: null },
      tools: new Map(),
      deliveries: new Map(),
      turns: [],
      errorCode: null,
      usage: null,
      ...(this.#deps.captureContent ? { input: run.content } : {}),
    });
  }

  onRunEvent(run: Run, event: ServerEvent): void {
    const rec = this.#open.get(run.id);
    if (!rec) return;
    switch (event.type) {
      case "tool_executing": {
        const p = event.payload as ServerEventPayloads["tool_executing"];
        if (rec.tools.size >= MAX_CHILD_SPANS_PER_KIND) return;
        rec.tools.set(p.tool_call_id, {
          name: p.tool_name,
          callId: p.tool_call_id,
          start: epochMs(),
          end: null,
          success: null,
          ...(this.#deps.captureContent ? { args: p.parameters } : {}),
        });
        return;
      }
      case "tool_completed": {
        const p = event.payload as ServerEventPayloads["tool_completed"];
        const now = epochMs();
        let tool = rec.tools.get(p.tool_call_id);
        if (!tool) {
          if (rec.tools.size >= MAX_CHILD_SPANS_PER_KIND) return;
          tool = { name: p.tool_name, callId: p.tool_call_id, start: now - p.duration_ms, end: null, success: null };
          rec.tools.set(p.tool_call_id, tool);
        }
        tool.end = now;
        tool.success = p.success;
        if (this.#deps.captureContent) tool.result = p.results;
        return;
      }
      case "agent_completed": {
        const p = event.payload as ServerEventPayloads["agent_completed"];
        if (p.usage) rec.usage = { input_tokens: p.usage.input_tokens, output_tokens: p.usage.output_tokens };
        if (this.#deps.captureContent) rec.output = p.final_response;
        return;
      }
      case "agent_error":
        rec.errorCode = (event.payload as ServerEventPayloads["agent_error"]).error_code;
        return;
      default:
        return;
    }
  }

  onRunEnded(run: Run): void {
    const rec = this.#open.get(run.id);
    if (!rec) return;
    rec.status = run.status;
    rec.endedAt = run.endedAt;
    rec.endedSeenAt = Date.now();
    if (rec.verdictSeen) this.#ready.push(rec);
  }

  onModelTurn(report: ModelTurnReport): void {
    const rec = this.#open.get(report.runId);
    if (!rec || rec.turns.length >= MAX_CHILD_SPANS_PER_KIND) return;
    rec.turns.push(this.#deps.captureContent ? report : { ...report, content: "", toolCalls: [] });
  }

  onEmitted(event: ServerEvent, deliveries: DeliveryRecord[]): void {
    if (!event.run_id) return;
    const rec = this.#open.get(event.run_id);
    if (!rec) return;
    const now = epochMs();
    let writes = 0;
    for (const d of deliveries) if (d.delivered) writes++;
    const agg = rec.deliveries.get(event.type);
    if (!agg) {
      rec.deliveries.set(event.type, {
        type: event.type,
        first: now,
        last: now,
        events: 1,
        maxConnections: deliveries.length,
        writes,
        violations: 0,
      });
      return;
    }
    agg.last = now;
    agg.events++;
    agg.writes += writes;
    if (deliveries.length > agg.maxConnections) agg.maxConnections = deliveries.length;
  }

  onAcknowledged(): void {}

  /** The tracer's batch: route steps, isolation refusals, verdicts; then the runs that are complete. */
  accept(events: readonly TraceEvent[]): void {
    for (const e of events) {
      switch (e.kind) {
        case "received":
          this.#received.set(e.trace_id, e.ts);
          if (this.#received.size > RECEIVED_KEPT) this.#received.delete(this.#received.keys().next().value!);
          break;
        case "handler_finished": {
          const rec = e.run_id ? this.#open.get(e.run_id) : undefined;
          if (!rec) break;
          rec.route.handler = e.handler ?? null;
          rec.route.end = e.ts;
          rec.route.start = this.#received.get(e.trace_id) ?? e.ts - (e.duration_ms ?? 0);
          break;
        }
        case "isolation_violation": {
          const agg = e.run_id ? this.#open.get(e.run_id)?.deliveries.get(e.message_type ?? "") : undefined;
          if (agg) agg.violations++;
          break;
        }
        case "session_verdict": {
          const rec = e.run_id ? this.#open.get(e.run_id) : undefined;
          if (!rec || rec.verdictSeen) break;
          rec.verdictSeen = true;
          if (rec.endedAt !== null) this.#finish(rec);
          break;
        }
        default:
          break;
      }
    }
    if (this.#ready.length === 0) return;
    const ready = this.#ready;
    this.#ready = [];
    for (const rec of ready) this.#finish(rec);
  }

  /** Writes every run still open (shutdown): ended or not, with whatever verdict is known. */
  close(): void {
    clearInterval(this.#timer);
    for (const rec of this.#open.values()) this.#finish(rec);
  }

  /** Ended runs whose verdict did not come within VERDICT_WAIT_MS are written without waiting longer. */
  #sweep(): void {
    const limit = Date.now() - VERDICT_WAIT_MS;
    for (const rec of this.#open.values()) if (rec.endedSeenAt !== null && rec.endedSeenAt <= limit) this.#finish(rec);
  }

  #finish(rec: RunRecord): void {
    if (!this.#open.delete(rec.runId)) return;
    try {
      this.#deps.write(rec, this.#deps.verdictOf(rec.runId));
    } catch (err) {
      // Never let the export break the tracer's flush (the other sinks get the same batch after this one).
      this.#deps.failed(err);
    }
  }
}
