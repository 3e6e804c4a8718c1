import type { Ack } from "./ack";
import type { ClientEnvelope } from "./client-messages";
import type { FlowEdge, HandlerInfo, ConnectionInfo, SeriesPoint, StatsSnapshot, UserSummary } from "./operator-api";
import type { AnyServerEvent, ServerEvent } from "./server-events";
import type { TraceEvent, TraceFilter } from "./trace";

/**
 * Socket.IO event maps of every namespace, both directions, so that servers and clients are typed
 * from one declaration (`new Server<ChatClientToServer, ChatServerToClient, ...>`, `io() as Socket<...>`).
 */

// ---------- chat namespace "/" ----------

/** What `socket.handshake.auth` carries on "/". */
export interface ChatAuth {
  token?: string;
  /** Opt in to delivery acknowledgement: each event then arrives with an ack callback. */
  acks?: boolean;
}

export interface ChatClientToServer {
  /** A client message; the ack is optional (without it a refusal arrives as an `error_message` event). */
  message: (envelope: ClientEnvelope, ack?: (ack: Ack) => void) => void;
}

export interface ChatServerToClient {
  /**
   * Every event; with `acks: true` it comes with a callback the client calls (with no argument) to
   * acknowledge it. The server's side of that callback receives Socket.IO's timeout error, if any.
   */
  event: (event: AnyServerEvent, ack?: (timeout?: Error | null) => void) => void;
}

// ---------- inspector namespace "/inspector" ----------

export interface InspectorSnapshot {
  handlers: HandlerInfo[];
  connections: ConnectionInfo[];
  stats: StatsSnapshot;
  series: SeriesPoint[];
  flow: FlowEdge[];
  node_id: string;
}

/** The answer to `subscribe`: the filter now in force, or why it was refused. */
export type SubscribeAck = { ok: true; filter: TraceFilter } | { ok: false; error: { code: "INVALID_MESSAGE"; message: string } };

export interface InspectorClientToServer {
  subscribe: (filter: TraceFilter, ack?: (answer: SubscribeAck) => void) => void;
  pause: () => void;
  resume: () => void;
}

export interface InspectorServerToClient {
  snapshot: (snapshot: InspectorSnapshot) => void;
  /** At most every 100 ms; `dropped` counts events over the subscriber's rate cap since the last batch. */
  trace: (batch: { events: TraceEvent[]; dropped: number }) => void;
  stats: (point: SeriesPoint) => void;
  totals: (totals: StatsSnapshot) => void;
  flow: (edges: FlowEdge[]) => void;
}

/** What a node announces on `sy:interest`: whether an operator watches its inspector. */
export interface InterestNotice {
  node_id: string;
  watching: boolean;
}

// ---------- between the nodes of a cluster (serverSideEmit on "/") ----------

/** Where one event went on one connection (a node's answer to `sy:deliver`). */
export interface DeliveryRecord {
  connection_id: string;
  delivered: boolean;
  acknowledged?: boolean;
  /** Written for connection-state recovery to a connection that is briefly gone. */
  parked?: boolean;
  recovered?: boolean;
  node_id?: string;
}

/** One node's state as the others see it. */
export interface NodeState {
  node_id: string;
  connections: ConnectionInfo[];
  users: UserSummary[];
  stats: { messages_routed: number; events_delivered: number; errors: number; isolation_violations: number; trace_drops: number };
}

/** An inbound message about a run, as its session records it. */
export interface InboundNote {
  type: string;
  message_id: string;
  payload: Record<string, unknown>;
}

/** A recovered event, reported to the node that holds its session. */
export interface RecoveredNote {
  run_id: string;
  message_id: string;
  connection_id: string;
  user_id: string;
}

/** Messages between nodes; those with a reply callback are asked of every other node. */
export interface ClusterEvents {
  "sy:deliver": (event: ServerEvent & { user_id: string }, reply: (records: DeliveryRecord[]) => void) => void;
  "sy:broadcast": (event: ServerEvent & { user_id: null }) => void;
  "sy:traces": (events: TraceEvent[]) => void;
  /** A node's inspector got its first subscriber or lost its last (server/cluster/trace-interest.ts). */
  "sy:interest": (notice: InterestNotice) => void;
  "sy:state": (reply: (state: NodeState) => void) => void;
  "sy:stop": (note: { run_id: string; inbound: InboundNote }) => void;
  "sy:unpark": (note: { user_id: string; connection_id: string }) => void;
  "sy:recovered": (note: RecoveredNote, reply: (claimed: boolean) => void) => void;
}
