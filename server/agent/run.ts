import type { AgentKind, Faults, ServerEvent } from "../../contract";
import type { AgentEntry } from "./agent-catalog";
import type { ThreadTurn } from "./agent-runner";
import type { ChunkStream } from "./chunk-stream";

export type RunStatus = "running" | "completed" | "failed" | "cancelled";

/** One run of an agent for one user in one thread. */
export interface Run {
  id: string;
  userId: string;
  threadId: string;
  traceId: string;
  agentName: string;
  agentVersion: string;
  agentKind: AgentKind;
  /** Strict runs keep the five-kind golden path (PROTOCOL.md "Verdict for agents that are not strict"). */
  strict: boolean;
  /** Longest silence inside a passing run of this agent. */
  gapMs: number;
  content: string;
  faults: Faults;
  status: RunStatus;
  seq: number;
  eventsEmitted: number;
  startedAt: number;
  endedAt: number | null;
  abort: AbortController;
  /** The run's streamed text and chunk policy. */
  stream: ChunkStream;
  /** A held chunk's flush is scheduled. */
  chunkFlushArmed?: boolean;
}

/** What a run manager tells the session recorder, quality metrics and alerts. */
export interface RunObserver {
  onRunStarted?(run: Run, inbound: { type: string; message_id: string; payload: Record<string, unknown> }): void;
  /** A later inbound message about the run (stop_agent, agent_status_request). */
  onRunInbound?(runId: string, inbound: { type: string; message_id: string; payload: Record<string, unknown> }): void;
  onRunEvent?(run: Run, event: ServerEvent): void;
  onRunEnded?(run: Run): void;
  /** The agent sent an event of its protocol that maps to no run event. */
  onIgnoredEvent?(run: Run, eventType: string): void;
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
  agent: AgentEntry;
  faults: Faults;
  /** The thread's messages before this run's (for agents that take the conversation). */
  history: (runId: string) => Promise<ThreadTurn[]>;
  inbound: { type: string; message_id: string; payload: Record<string, unknown> };
  /** Resolved just before the request's ack, which may wait for a commit: the run's events come after it. */
  acked?: Promise<void>;
}
