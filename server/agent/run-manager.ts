import { randomUUID } from "node:crypto";
import { type AgentEventType, isTerminalType, SEQUENCED_TYPES, type ServerEventPayloads } from "../../contract";
import { type Clock, realClock } from "../clock";
import { buildEvent } from "../transport/event-factory";
import type { Delivery } from "../transport/delivery";
import type { Logger } from "../logger";
import type { AgentRunner, ThreadTurn } from "./agent-runner";
import { ChunkStream, MERGE_FLUSH_MS } from "./chunk-stream";
import type { InboundNote, Run, RunLookup, RunObserver, RunStatus, RunSummary, StartRunInput } from "./run";
import type { RunTurns } from "./run-turns";

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
  /** Running runs per agent, for `max_concurrent_runs`. */
  readonly #runningByAgent = new Map<string, number>();
  readonly #logger: Logger;
  /** Live: runs step in slices (run-turns.ts). A replay sandbox's virtual clock steps them directly. */
  readonly #turns: RunTurns | null;
  #lookup: RunLookup = () => Promise.resolve(null);
  /** Stops a run another node of the cluster runs (set when the node joins a cluster). */
  #remoteStop: ((runId: string, inbound: InboundNote) => void) | null = null;

  constructor(delivery: Delivery, logger: Logger, clock: Clock = realClock, turns: RunTurns | null = null) {
    this.#delivery = delivery;
    this.#logger = logger;
    this.#clock = clock;
    this.#turns = turns;
  }

  /** Runs of this agent running on this node now. */
  runningCount(agentName: string): number {
    return this.#runningByAgent.get(agentName) ?? 0;
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
      agentName: input.agent.name,
      agentVersion: input.agent.runner.version,
      agentKind: input.agent.kind,
      strict: input.agent.strict,
      gapMs: input.agent.gapMs,
      content: input.content,
      faults: input.faults,
      status: "running",
      seq: 0,
      eventsEmitted: 0,
      startedAt: this.#clock.now(),
      endedAt: null,
      abort: new AbortController(),
      stream: new ChunkStream(),
    };
    this.#remember(run);
    this.#runningByAgent.set(run.agentName, this.runningCount(run.agentName) + 1);
    for (const o of this.#observers) o.onRunStarted?.(run, input.inbound);
    const step = () => void this.#execute(run, input.agent.runner, input.history);
    const turns = this.#turns;
    const execute = turns ? () => turns.enqueue(step) : () => setImmediate(step);
    if (input.acked) void input.acked.then(execute);
    else execute();
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

  async #execute(run: Run, agent: AgentRunner, history: (runId: string) => Promise<ThreadTurn[]>): Promise<void> {
    if (run.status !== "running") return;
    const logger = this.#logger.child({ run_id: run.id, agent: run.agentName });
    try {
      await agent.run({
        runId: run.id,
        threadId: run.threadId,
        userId: run.userId,
        content: run.content,
        agentName: run.agentName,
        faults: run.faults,
        signal: run.abort.signal,
        history: () => history(run.id),
        emit: (type, payload) => this.#emit(run, type, payload),
        ignored: (eventType) => {
          for (const o of this.#observers) o.onIgnoredEvent?.(run, eventType);
        },
        sleep: (ms) => this.#sleep(ms, run.abort.signal),
        now: () => this.#clock.now(),
        logger,
      });
      if (run.status === "running" && !run.abort.signal.aborted) {
        this.#emit(run, "agent_error", { error_code: "AGENT_INCOMPLETE", message: "The agent ended without completing." });
      }
    } catch (err) {
      // The agent's own failure: logged by kind only (its message may carry what the agent sent).
      logger.warn({ err_name: (err as Error | undefined)?.name }, "agent threw");
      if (run.status === "running") this.#emit(run, "agent_error", { error_code: "AGENT_FAILED", message: "The agent failed." });
    }
  }

  /** An agent's sleep: the clock's, then (live) a wait for the run's turn. */
  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    const turns = this.#turns;
    const slept = this.#clock.sleep(ms, signal);
    return turns ? slept.then(() => turns.next()) : slept;
  }

  /** An agent's event: chunks go through the run's chunk policy; anything else first sends a held chunk. */
  #emit<T extends AgentEventType>(run: Run, type: T, payload: ServerEventPayloads[T]): void {
    if (run.status !== "running") return;
    if (type === "agent_response_chunk") return this.#chunk(run, payload as ServerEventPayloads["agent_response_chunk"]);
    this.#flushChunks(run);
    if (type === "agent_completed" && (run.stream.sent > 0 || run.stream.holding)) {
      // A streamed run's final response is exactly its deltas joined (PROTOCOL.md "Streamed text").
      this.#send(run, type, {
        ...(payload as ServerEventPayloads["agent_completed"]),
        final_response: run.stream.text,
      } as ServerEventPayloads[T]);
    } else this.#send(run, type, payload);
  }

  #chunk(run: Run, payload: ServerEventPayloads["agent_response_chunk"]): void {
    const step = run.stream.take(payload.message_id, payload.delta, this.#clock.now());
    if (step.kind === "send") this.#send(run, "agent_response_chunk", { message_id: step.messageId, delta: step.delta });
    else if (step.kind === "held") this.#armChunkFlush(run);
    else {
      run.abort.abort();
      this.#send(run, "agent_error", {
        error_code: "AGENT_FAILED",
        message: "The agent's streamed response passed its bound of 1 MiB of text.",
      });
    }
  }

  /** A held (merged) chunk leaves within MERGE_FLUSH_MS even if the agent sends nothing more. */
  #armChunkFlush(run: Run): void {
    if (run.chunkFlushArmed) return;
    run.chunkFlushArmed = true;
    void this.#clock.sleep(MERGE_FLUSH_MS).then(() => {
      run.chunkFlushArmed = false;
      if (run.status === "running") this.#flushChunks(run);
    });
  }

  #flushChunks(run: Run): void {
    const step = run.stream.flush();
    if (step?.kind === "send") this.#send(run, "agent_response_chunk", { message_id: step.messageId, delta: step.delta });
  }

  /** Numbers one event, applies `drop_event`, delivers it to every connection of the owner. */
  #send<T extends AgentEventType>(run: Run, type: T, payload: ServerEventPayloads[T]): void {
    const seq = SEQUENCED_TYPES.has(type) ? ++run.seq : undefined;
    const terminal = isTerminalType(type);
    if (run.faults.drop_event !== type) {
      const event = buildEvent(type, payload, { user_id: run.userId, trace_id: run.traceId, thread_id: run.threadId, run_id: run.id, seq });
      run.eventsEmitted++;
      this.#delivery.toUser(event);
      for (const o of this.#observers) o.onRunEvent?.(run, event);
    }
    if (terminal && (!run.abort.signal.aborted || type === "agent_error")) {
      this.#end(run, type === "agent_error" ? "failed" : "completed");
    }
  }

  #end(run: Run, status: RunStatus): void {
    if (run.status !== "running") return;
    run.status = status;
    const left = this.runningCount(run.agentName) - 1;
    if (left > 0) this.#runningByAgent.set(run.agentName, left);
    else this.#runningByAgent.delete(run.agentName);
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
