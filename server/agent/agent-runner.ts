import type { AgentEventType, Faults, ServerEventPayloads } from "../../contract";

/** What an agent gets for one run. */
export interface AgentRunContext {
  runId: string;
  threadId: string;
  userId: string;
  content: string;
  agentName: string;
  /** Fault-injection settings for this run ({} when none apply). */
  faults: Faults;
  /** Aborted when the run is stopped; the agent returns at its next step. */
  signal: AbortSignal;
  /** Emits one run event; seq, ids and delivery are the run manager's job. */
  emit<T extends AgentEventType>(type: T, payload: ServerEventPayloads[T]): void;
  /** Waits `ms`, resolving early when the run is stopped (a fakeable clock for tests). */
  sleep(ms: number): Promise<void>;
  /** The run's clock in ms (virtual in a replay, so measured durations replay identically). */
  now(): number;
}

/**
 * An agent behind the router. The built-in one is deterministic; a real LLM agent implements the same
 * interface and emits the same golden-path events.
 */
export interface AgentRunner {
  readonly name: string;
  readonly version: string;
  run(ctx: AgentRunContext): Promise<void>;
}
