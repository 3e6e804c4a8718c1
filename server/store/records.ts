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

export type SessionStatus = "running" | "passed" | "failed" | "cancelled";

/** One inbound message of a session, with its time relative to the session start (for replay). */
export interface InboundRecord {
  type: string;
  message_id: string;
  payload: Record<string, unknown>;
  at_ms: number;
}

/** One event the run emitted, with its delivery to each connection of the user. */
export interface SessionEventRecord {
  type: string;
  seq?: number;
  payload: Record<string, unknown>;
  emitted_at_ms: number;
  deliveries: { connection_id: string; delivered: boolean; acknowledged?: boolean; recovered?: boolean }[];
}

export interface SessionRecord {
  id: string;
  userId: string;
  threadId: string;
  nodeId: string;
  status: SessionStatus;
  reasons: string[];
  /** One line per verdict finding (which event, which seq, how long a gap). */
  details: string[];
  agentName: string;
  agentVersion: string;
  faults: Record<string, unknown>;
  inbound: InboundRecord[];
  events: SessionEventRecord[];
  startedAt: number;
  endedAt: number | null;
  updatedAt: number;
}

export interface ReplayRecord {
  id: string;
  sessionId: string;
  faults: "recorded" | "none";
  passed: boolean;
  reasons: string[];
  diff: unknown;
  events: unknown;
  createdAt: number;
}
