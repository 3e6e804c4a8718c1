import type { AgentKind, ReplayFaults, SessionEvent, SessionInbound, SessionStatus, VerdictReason } from "../../contract";

/** Plain records the stores exchange with persistence; times are epoch milliseconds. */

export interface ThreadRecord {
  id: string;
  userId: string;
  title: string;
  createdAt: number;
}

export interface MessageRecord {
  id: string;
  threadId: string;
  userId: string;
  runId?: string;
  role: "user" | "assistant";
  content: string;
  createdAt: number;
}

/** A session's inbound messages and events are stored in their wire shape (the contract's). */
export type { SessionInbound as InboundRecord, SessionEvent as SessionEventRecord, SessionStatus } from "../../contract";

export interface SessionRecord {
  id: string;
  userId: string;
  threadId: string;
  nodeId: string;
  status: SessionStatus;
  reasons: VerdictReason[];
  /** One line per verdict finding (which event, which seq, how long a gap). */
  details: string[];
  agentName: string;
  agentVersion: string;
  agentKind: AgentKind;
  /** Streamed runs: ms from the inbound message to the first chunk; null when the run streamed nothing. */
  ttftMs: number | null;
  /** agent_response_chunk events the run sent. */
  chunks: number;
  faults: Record<string, unknown>;
  inbound: SessionInbound[];
  events: SessionEvent[];
  startedAt: number;
  endedAt: number | null;
  updatedAt: number;
}

export interface ReplayRecord {
  id: string;
  sessionId: string;
  faults: ReplayFaults;
  passed: boolean;
  reasons: VerdictReason[];
  diff: unknown;
  events: unknown;
  createdAt: number;
}
