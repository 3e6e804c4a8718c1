import { randomUUID } from "node:crypto";
import { type AgentEventType, type Faults, SEQUENCED_TYPES, type ServerEvent, type ServerEventPayloads } from "../../contract";
import { type Clock, realClock } from "../clock";
import { buildEvent } from "../transport/event-factory";
import type { Delivery } from "../transport/delivery";
import type { AgentRunner } from "./agent-runner";

export type RunStatus = "running" | "completed" | "failed" | "cancelled";

/** One run of an agent for one user in one thread. */
export interface Run {
  id: string;
  userId: string;
  threadId: string;
  traceId: string;
  agentName: string;
  agentVersion: string;
  content: string;
  faults: Faults;
  status: RunStatus;
  seq: number;
  eventsEmitted: number;
  startedAt: number;
  endedAt: number | null;
  abort: AbortController;
}

/** What a run manager tells the session recorder, quality metrics and alerts. */
export interface RunObserver {
  onRunStarted?(run: Run, inbound: { type: string; message_id: string; payload: Record<string, unknown> }): void;
  /** A later inbound message about the run (stop_agent, agent_status_request). */
  onRunInbound?(runId: string, inbound: { type: string; message_id: string; payload: Record<string, unknown> }): void;
  onRunEvent?(run: Run, event: ServerEvent): void;
  onRunEnded?(run: Run): void;
}

/** What is known of a run: from memory, or from the session store once it left memory. */
export interface RunSummary {
  userId: string;
  status: RunStatus;
  eventsEmitted: number;
}
export type RunLookup = (runId: string) => Promise<RunSummary | null>;

/** An inbound message about a run, as its session records it. */
export interface InboundNote {
  type: string;
  message_id: string;
  payload: Record<string, unknown>;
}

export interface StartRunInput {
  userId: string;
  threadId: string;
  traceId: string;
  content: string;
  agent: AgentRunner;
  agentName: string;
  faults: Faults;
  inbound: { type: string; message_id: string; payload: Record<string, unknown> };
}

const FINISHED_RUNS_KEPT = 50_000;

/**
 * Starts, stops and tracks runs. Gives every run event its seq, applies `drop_event`, and sends it
 * through the one delivery path to every connection of the owning user.
 */
export class RunManager {
  readonly #delivery: Delivery;
  readonly #clock: Clock;
  readonly #observers: RunObserver[] = [];
  readonly #runs = new Map<string, Run>();
  #lookup: RunLookup = () => Promise.resolve(null);
  /** Stops a run another node of the cluster runs (set when the node joins a cluster). */
  #remoteStop: ((runId: string, inbound: InboundNote) => void) | null = null;

  constructor(delivery: Delivery, clock: Clock = realClock) {
    this.#delivery = delivery;
    this.#clock = clock;
  }

  observe(observer: RunObserver): void {
    this.#observers.push(observer);
  }

  /** Where to find runs this node no longer holds, or never held (set once the session store exists). */
  setLookup(lookup: RunLookup): void {
    this.#lookup = lookup;
  }

  /** Starts a run; its events begin on the next turn of the event loop, after the request's ack. */
  start(input: StartRunInput): Run {
    const run: Run = {
      id: `run_${randomUUID()}`,
      userId: input.userId,
      threadId: input.threadId,
      traceId: input.traceId,
      agentName: input.agentName,
      agentVersion: input.agent.version,
      content: input.content,
      faults: input.faults,
      status: "running",
      seq: 0,
      eventsEmitted: 0,
      startedAt: this.#clock.now(),
      endedAt: null,
      abort: new AbortController(),
    };
    this.#remember(run);
    for (const o of this.#observers) o.onRunStarted?.(run, input.inbound);
    setImmediate(() => void this.#execute(run, input.agent));
    return run;
  }

  /** Records a later inbound message about a run in its session (for replay). */
  noteInbound(runId: string, inbound: InboundNote): void {
    for (const o of this.#observers) o.onRunInbound?.(runId, inbound);
  }

  setRemoteStop(stop: ((runId: string, inbound: InboundNote) => void) | null): void {
    this.#remoteStop = stop;
  }

  /** stop_agent: stops the run here, or asks the node that runs it. Stopping an ended run is a no-op. */
  requestStop(runId: string, inbound: InboundNote): void {
    if (this.#runs.get(runId)?.status === "running") {
      this.noteInbound(runId, inbound);
      this.stop(runId);
    } else if (!this.#runs.has(runId)) this.#remoteStop?.(runId, inbound);
  }

  get(runId: string): Run | undefined {
    return this.#runs.get(runId);
  }

  /** A run's owner and state, from memory or the session store; null when no such run exists. */
  async describe(runId: string): Promise<RunSummary | null> {
    const run = this.#runs.get(runId);
    if (run) return { userId: run.userId, status: run.status, eventsEmitted: run.eventsEmitted };
    return this.#lookup(runId);
  }

  /** Stops a running run: the agent returns and the run ends with agent_completed {status: "cancelled"}. */
  stop(runId: string): boolean {
    const run = this.#runs.get(runId);
    if (!run || run.status !== "running") return false;
    run.abort.abort();
    this.#emit(run, "agent_completed", {
      status: "cancelled",
      final_response: "",
      duration_ms: Math.round(this.#clock.now() - run.startedAt),
    });
    this.#end(run, "cancelled");
    return true;
  }

  /** Runs still in progress on this node. */
  running(): Run[] {
    return [...this.#runs.values()].filter((r) => r.status === "running");
  }

  /** Stops every running run without events (shutdown); the recorder marks them interrupted. */
  interruptAll(): Run[] {
    const runs = this.running();
    for (const run of runs) run.abort.abort();
    return runs;
  }

  async #execute(run: Run, agent: AgentRunner): Promise<void> {
    if (run.status !== "running") return;
    try {
      await agent.run({
        runId: run.id,
        threadId: run.threadId,
        userId: run.userId,
        content: run.content,
        agentName: run.agentName,
        faults: run.faults,
        signal: run.abort.signal,
        emit: (type, payload) => this.#emit(run, type, payload),
        sleep: (ms) => this.#clock.sleep(ms, run.abort.signal),
        now: () => this.#clock.now(),
      });
      if (run.status === "running" && !run.abort.signal.aborted) {
        this.#emit(run, "agent_error", { error_code: "AGENT_INCOMPLETE", message: "The agent ended without completing." });
      }
    } catch {
      if (run.status === "running") this.#emit(run, "agent_error", { error_code: "AGENT_FAILED", message: "The agent failed." });
    }
  }

  #emit<T extends AgentEventType>(run: Run, type: T, payload: ServerEventPayloads[T]): void {
    if (run.status !== "running") return;
    const seq = SEQUENCED_TYPES.has(type) ? ++run.seq : undefined;
    const terminal = type === "agent_completed" || type === "agent_error";
    if (run.faults.drop_event !== type) {
      const event = buildEvent(type, payload, { user_id: run.userId, trace_id: run.traceId, thread_id: run.threadId, run_id: run.id, seq });
      run.eventsEmitted++;
      this.#delivery.toUser(event);
      for (const o of this.#observers) o.onRunEvent?.(run, event);
    }
    if (terminal && !run.abort.signal.aborted) {
      this.#end(run, type === "agent_error" ? "failed" : "completed");
    }
  }

  #end(run: Run, status: RunStatus): void {
    if (run.status !== "running") return;
    run.status = status;
    run.endedAt = this.#clock.now();
    for (const o of this.#observers) o.onRunEnded?.(run);
  }

  #remember(run: Run): void {
    this.#runs.set(run.id, run);
    if (this.#runs.size > FINISHED_RUNS_KEPT) {
      for (const [id, r] of this.#runs) {
        if (this.#runs.size <= FINISHED_RUNS_KEPT) break;
        if (r.status !== "running") this.#runs.delete(id);
      }
    }
  }
}
