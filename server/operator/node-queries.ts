import type {
  AgentInfo,
  ConnectionInfo,
  HandlerInfo,
  Health,
  NodeState,
  SeriesPoint,
  SessionStatus,
  StatsSnapshot,
  TraceEvent,
  Transport,
  UnhandledType,
  UserSummary,
} from "../../contract";
import type { AgentCatalog } from "../agent/agent-catalog";
import type { AgentStats } from "../agent/agent-stats";
import type { Cluster } from "../cluster/cluster";
import type { HandlerRegistry } from "../router/registry";
import type { SessionRecorder } from "../sessions/session-recorder";
import type { RouterStats } from "../stats/router-stats";
import type { Persistence } from "../store/persistence";
import type { ReplayRecord, SessionRecord } from "../store/records";
import type { Page, SessionQuery, TraceQuery } from "../store/store-reads";
import type { Tracer } from "../trace/tracer";
import type { ConnectionRegistry } from "../transport/connection-registry";
import { VERSION } from "../version";

/** What the read model reads: the node's parts, narrowed to what answers questions. */
export interface NodeQueriesDeps {
  nodeId: string;
  startedAt: number;
  stats: RouterStats;
  connections: ConnectionRegistry;
  handlers: HandlerRegistry;
  agents: AgentCatalog;
  agentStats: AgentStats;
  recorder: SessionRecorder;
  tracer: Tracer;
  persistence: Persistence;
  /** The cluster, once joined (null on a single node). */
  cluster: () => Cluster | null;
  /** Events inspector subscribers did not get because of their rate cap. */
  inspectorDropped: () => number;
}

const NO_SESSIONS: Record<SessionStatus, number> = { running: 0, passed: 0, failed: 0, cancelled: 0 };

/**
 * The node's read model: every answer the operator API, the inspector, /metrics and the cluster give
 * about this node (or, through the cluster, about all of them). It reads and never wires anything.
 */
export class NodeQueries {
  readonly #d: NodeQueriesDeps;
  #sessionCounts: { at: number; value: Promise<Record<SessionStatus, number>> } | null = null;

  constructor(deps: NodeQueriesDeps) {
    this.#d = deps;
  }

  /** GET /api/stats/series: per-second points of the last `minutes`. */
  series(minutes: number): SeriesPoint[] {
    return this.#d.stats.series(minutes);
  }

  /** The newest complete second (the inspector's `stats` tick). */
  lastPoint(): SeriesPoint | null {
    return this.#d.stats.lastPoint();
  }

  listTraces(q: TraceQuery): Promise<Page<TraceEvent>> {
    return this.#d.persistence.listTraces(q);
  }

  listSessions(q: SessionQuery): Promise<Page<SessionRecord>> {
    return this.#d.persistence.listSessions(q);
  }

  listReplays(sessionId: string, limit: number): Promise<ReplayRecord[]> {
    return this.#d.persistence.listReplays(sessionId, limit);
  }

  /** GET /api/health. */
  async health(): Promise<Health> {
    const cluster = this.#d.cluster();
    const dbOk = await this.#d.persistence.probe();
    const clusterOk = cluster ? cluster.healthy : true;
    const body: Health = {
      status: dbOk && clusterOk ? "ok" : "degraded",
      node_id: this.#d.nodeId,
      version: VERSION,
      uptime_s: Math.round((Date.now() - this.#d.startedAt) / 1000),
      db: dbOk ? "ok" : "unavailable",
    };
    if (cluster) body.cluster = clusterOk ? "ok" : "degraded";
    const failing = [...(dbOk ? [] : (["db"] as const)), ...(clusterOk ? [] : (["redis"] as const))];
    if (failing.length) body.failing = failing;
    return body;
  }

  /** Trace events lost anywhere on this node: the tracer's buffer, the database queue, the inspector cap. */
  traceDrops(): number {
    return this.#d.tracer.dropped + this.#d.persistence.tracesDropped + this.#d.inspectorDropped();
  }

  /** Session counts by status, cached for a second (scrapes and the dashboard poll it). */
  sessionCounts(): Promise<Record<SessionStatus, number>> {
    if (!this.#sessionCounts || Date.now() - this.#sessionCounts.at > 1000) {
      this.#sessionCounts = { at: Date.now(), value: this.#d.persistence.countSessions().catch(() => NO_SESSIONS) };
    }
    return this.#sessionCounts.value;
  }

  /** GET /api/stats: the whole cluster (this node alone outside one). */
  async statsSnapshot(): Promise<StatsSnapshot> {
    const [sessions, states] = await Promise.all([this.sessionCounts(), this.#states()]);
    const sum = (pick: (n: NodeState) => number) => states.reduce((total, n) => total + pick(n), 0);
    return {
      connections: sum((n) => n.connections.length),
      users: new Set(states.flatMap((n) => n.connections.map((c) => c.user_id))).size,
      messages_routed: sum((n) => n.stats.messages_routed),
      events_delivered: sum((n) => n.stats.events_delivered),
      errors: sum((n) => n.stats.errors),
      isolation_violations: sum((n) => n.stats.isolation_violations),
      sessions: {
        passed: sessions.passed ?? 0,
        failed: sessions.failed ?? 0,
        running: sessions.running ?? 0,
        cancelled: sessions.cancelled ?? 0,
      },
      trace_drops: sum((n) => n.stats.trace_drops),
      traces_persisted: this.#d.persistence.tracesWritten,
      heartbeat_traces_counted: this.#d.persistence.heartbeatTracesCounted,
      node_id: this.#d.nodeId,
      nodes: states.map((n) => n.node_id),
    };
  }

  /** GET /api/handlers: the registry with each handler's figures. */
  handlerList(): HandlerInfo[] {
    return this.#d.handlers.entries().map((e) => {
      const s = this.#d.stats.handlers.get(e.definition.handler);
      return {
        type: e.type,
        aliases: e.aliases,
        handler: e.definition.handler,
        source: e.source,
        stats: {
          count: s?.count ?? 0,
          errors: s?.errors ?? 0,
          p50_ms: s?.latency.quantile(0.5) ?? 0,
          p99_ms: s?.latency.quantile(0.99) ?? 0,
        },
      };
    });
  }

  /** GET /api/agents: the declared agents with this node's figures. */
  agentList(): AgentInfo[] {
    return this.#d.agentStats.list(this.#d.agents);
  }

  /** GET /api/handlers/unhandled: types that matched nothing, most recent first. */
  unhandledList(): UnhandledType[] {
    return [...this.#d.stats.unhandled]
      .map(([type, u]) => ({ type, count: u.count, last_seen: new Date(u.lastSeen).toISOString() }))
      .sort((a, b) => b.last_seen.localeCompare(a.last_seen));
  }

  /** GET /api/connections: every node's connections, newest first. */
  async connectionList(): Promise<ConnectionInfo[]> {
    const states = await this.#states();
    return states.flatMap((n) => n.connections).sort((a, b) => b.connected_at.localeCompare(a.connected_at));
  }

  /** GET /api/users: per-user figures summed over the nodes; violations first, then most recent. */
  async userList(): Promise<UserSummary[]> {
    const merged = new Map<string, UserSummary>();
    for (const u of (await this.#states()).flatMap((n) => n.users)) {
      const m = merged.get(u.user_id);
      if (!m) merged.set(u.user_id, { ...u, transports: { ...u.transports } });
      else {
        m.connections += u.connections;
        for (const [t, n] of Object.entries(u.transports) as [Transport, number][]) m.transports[t] = (m.transports[t] ?? 0) + n;
        m.events_delivered += u.events_delivered;
        m.isolation_violations += u.isolation_violations;
        if (u.last_activity > m.last_activity) m.last_activity = u.last_activity;
      }
    }
    return [...merged.values()].sort(
      (a, b) => b.isolation_violations - a.isolation_violations || b.last_activity.localeCompare(a.last_activity),
    );
  }

  /** A session from memory (freshest) or the database. */
  async findSession(id: string): Promise<SessionRecord | null> {
    return this.#d.recorder.get(id) ?? this.#d.persistence.findSession(id);
  }

  /** This node's share of the cluster's state (what it answers `sy:state` with). */
  async localState(): Promise<NodeState> {
    const s = this.#d.stats;
    return {
      node_id: this.#d.nodeId,
      connections: this.#localConnections(),
      users: this.#localUsers(),
      stats: {
        messages_routed: s.messagesRouted,
        events_delivered: s.eventsDelivered,
        errors: s.errors,
        isolation_violations: s.isolationViolations,
        trace_drops: this.traceDrops(),
      },
    };
  }

  /** Every node's state (just this one's outside a cluster). */
  async #states(): Promise<NodeState[]> {
    const cluster = this.#d.cluster();
    return cluster ? cluster.states() : [await this.localState()];
  }

  #localConnections(): ConnectionInfo[] {
    return [...this.#d.connections.all()].map((c) => ({
      connection_id: c.id,
      user_id: c.userId,
      node_id: c.nodeId,
      transport: c.transport,
      connected_at: new Date(c.connectedAt).toISOString(),
      last_activity: new Date(c.lastActivity).toISOString(),
    }));
  }

  #localUsers(): UserSummary[] {
    const { connections, stats } = this.#d;
    const ids = new Set<string>([...connections.users(), ...stats.users.keys()]);
    return [...ids].map((userId) => {
      const u = stats.users.get(userId);
      return {
        user_id: userId,
        connections: connections.countForUser(userId),
        transports: connections.transportsOf(userId),
        events_delivered: u?.eventsDelivered ?? 0,
        isolation_violations: u?.isolationViolations ?? 0,
        last_activity: new Date(u?.lastActivity ?? Date.now()).toISOString(),
      };
    });
  }
}
