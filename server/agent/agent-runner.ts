import type { AgentEventType, AgentKind, Faults, ServerEventPayloads } from "../../contract";
import type { Logger } from "../logger";

/** One earlier message of the run's thread. */
export interface ThreadTurn {
  id: string;
  role: "user" | "assistant";
  content: string;
}

/** What an agent gets for one run. */
export interface AgentRunContext {
  runId: string;
  threadId: string;
  userId: string;
  content: string;
  agentName: string;
  /** Fault-injection settings for this run ({} when none apply). */
  faults: Faults;
  /** Aborted when the run is stopped (or the node shuts down); the agent returns at its next step. */
  signal: AbortSignal;
  /** The thread's messages before this run's, oldest first (external agents send them as context). */
  history(): Promise<ThreadTurn[]>;
  /** Emits one run event; seq, ids and delivery are the run manager's job. */
  emit<T extends AgentEventType>(type: T, payload: ServerEventPayloads[T]): void;
  /** Counts an event of the agent's protocol that maps to no run event (GET /api/agents `ignored_events`). */
  ignored(eventType: string): void;
  /** Waits `ms`, resolving early when the run is stopped (a fakeable clock for tests). */
  sleep(ms: number): Promise<void>;
  /** The run's clock in ms (virtual in a replay, so measured durations replay identically). */
  now(): number;
  /** The run's logger. Never log an agent's response bodies, headers or keys. */
  logger: Logger;
}

/**
 * An agent behind the router: built-in, AG-UI or OpenAI-compatible. Each emits the same run events
 * through `ctx.emit`; the run manager sequences, delivers and records them. An agent that cannot be
 * used emits `agent_error` with its precise code and returns; one that throws fails its run with
 * AGENT_FAILED (and nothing of the error reaches the user).
 */
export interface AgentRunner {
  readonly name: string;
  readonly version: string;
  readonly kind: AgentKind;
  run(ctx: AgentRunContext): Promise<void>;
}
