import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as IoServer } from "socket.io";
import { resolveAuthSecret } from "./auth/secret-files";
import { TokenService } from "./auth/tokens";
import type { Config } from "./env";
import { apiRoutes } from "./http/api-routes";
import { createApiHandler, isApiPath } from "./http/api-handler";
import { pageHeaders } from "./http/http-kit";
import type { Logger } from "./logger";
import { PrometheusMetrics } from "./stats/prometheus";
import { parseDatabaseUrl } from "./store/database-url";
import { applyMigrations } from "./store/migrate";
import type { Persistence } from "./store/persistence";
import { openPersistence } from "./store/open-persistence";
import type { SessionRecord } from "./store/records";
import { InspectorHub } from "./trace/inspector-hub";
import { faultPolicy } from "./demo/demo-traffic";
import { attachChat } from "./transport/chat-namespace";
import { VERSION } from "./version";
import { Cluster, type ClusterMember, type NodeState } from "./cluster/cluster";
import { RecoveryGate } from "./transport/recovery";
import { createRouterCore, type RouterCore } from "./router-core";
import type { AgentCatalog } from "./agent/agent-catalog";
import type { RunManager } from "./agent/run-manager";
import type { QualityService } from "./quality/quality-service";
import type { BroadcastBatcher } from "./router/broadcast-batcher";
import type { Router } from "./router/dispatch";
import type { HandlerRegistry } from "./router/registry";
import type { SessionRecorder } from "./sessions/session-recorder";
import type { RouterStats } from "./stats/router-stats";
import type { ThreadStore } from "./store/thread-store";
import type { Tracer } from "./trace/tracer";
import type { ConnectionRegistry } from "./transport/connection-registry";
import type { Delivery } from "./transport/delivery";

export interface NodeOptions {
  config: Config;
  logger: Logger;
  /** Serves everything that is not /api/*, /metrics or Socket.IO (the Next.js request handler). */
  pageHandler?: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * One Switchyard node: the router and everything around it, on one http server. This is the
 * composition root; server/index.ts only adds Next.js and process signals.
 */
export class SwitchyardNode {
  readonly config: Config;
  readonly logger: Logger;
  readonly tokens: TokenService;
  readonly core: RouterCore;
  readonly tracer: Tracer;
  readonly stats: RouterStats;
  readonly connections: ConnectionRegistry;
  readonly delivery: Delivery;
  readonly handlers: HandlerRegistry;
  readonly agents: AgentCatalog;
  readonly runs: RunManager;
  readonly quality: QualityService;
  readonly broadcasts: BroadcastBatcher;
  readonly persistence: Persistence;
  readonly threads: ThreadStore;
  readonly recorder: SessionRecorder;
  readonly router: Router;
  readonly metrics: PrometheusMetrics;
  readonly http: HttpServer;
  readonly io: IoServer;
  readonly inspector: InspectorHub;
  readonly startedAt = Date.now();
  readonly recoveryWindowMs: number;
  /** Set when REDIS_URL joins this node to a cluster. */
  cluster: Cluster | null = null;
  readonly #recoveryGate = new RecoveryGate();
  #retentionTimer: NodeJS.Timeout | undefined;
  #sessionCounts: { at: number; value: Promise<Record<string, number>> } | null = null;

  private constructor(options: NodeOptions, persistence: Persistence) {
    const { config, logger } = options;
    this.config = config;
    this.logger = logger;
    this.tokens = new TokenService(resolveAuthSecret(config.AUTH_SECRET, config.DATA_DIR));
    this.persistence = persistence;
    this.core = createRouterCore({
      config,
      logger,
      store: persistence,
      faultPolicy: faultPolicy(config.FAULT_INJECTION, config.DEMO_TRAFFIC),
    });
    ({
      tracer: this.tracer,
      stats: this.stats,
      connections: this.connections,
      delivery: this.delivery,
      handlers: this.handlers,
      agents: this.agents,
      runs: this.runs,
      quality: this.quality,
      broadcasts: this.broadcasts,
      threads: this.threads,
      recorder: this.recorder,
      router: this.router,
    } = this.core);
    this.metrics = new PrometheusMetrics({
      connections: () => this.connections.size,
      users: () => this.connections.userCount,
      isolationViolations: () => this.stats.isolationViolations,
      traceDrops: () => this.traceDrops(),
      clientErrorReports: () => this.stats.clientErrorReports,
      rejectionsByCode: () => this.stats.errorsByCode,
      sessions: () => this.sessionCounts(),
    });
    this.tracer.addSink(persistence);
    this.tracer.addSink(this.metrics);

    const api = createApiHandler(apiRoutes(this), this.tokens, logger, config.ALLOWED_ORIGINS);
    const pages = options.pageHandler;
    const headers = pageHeaders(config.NODE_ENV === "production");
    this.http = createServer((req, res) => {
      const pathname = (req.url ?? "/").split("?")[0]!;
      if (isApiPath(pathname)) return void api(req, res);
      if (pages) {
        for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
        return pages(req, res);
      }
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
    });
    this.recoveryWindowMs = config.RECOVERY_WINDOW_MS ?? (config.REDIS_URL ? 120_000 : 0);
    this.recorder.setRecoveryWindow(this.recoveryWindowMs);
    this.io = new IoServer(this.http, {
      maxHttpBufferSize: 1 << 20,
      perMessageDeflate: false,
      connectionStateRecovery:
        this.recoveryWindowMs > 0 ? { maxDisconnectionDuration: this.recoveryWindowMs, skipMiddlewares: false } : undefined,
      cors: config.ALLOWED_ORIGINS.length ? { origin: config.ALLOWED_ORIGINS, credentials: true } : undefined,
      allowRequest: (req, callback) => callback(null, originAllowed(req, config.ALLOWED_ORIGINS)),
    });
    attachChat(this.io.of("/"), {
      config,
      tokens: this.tokens,
      connections: this.connections,
      delivery: this.delivery,
      router: this.router,
      tracer: this.tracer,
      localOnly: () => this.cluster !== null && !this.cluster.healthy,
      recovery: {
        gate: this.#recoveryGate,
        windowMs: this.recoveryWindowMs,
        onResumed: (conn) => this.cluster?.unparkEverywhere(conn.userId, conn.id),
        onRecovered: (conn, event) => {
          if (!event.run_id) return;
          const r = { run_id: event.run_id, message_id: event.message_id, connection_id: conn.id, user_id: conn.userId };
          if (this.cluster) void this.cluster.recovered(r);
          else this.recorder.markRecovered(r.run_id, r.message_id, r.connection_id);
        },
      },
    });
    this.inspector = new InspectorHub(this.io.of("/inspector"), this);
    this.tracer.addSink(this.inspector);
  }

  /** Applies the schema, opens the database and builds the node (not yet listening). */
  static async create(options: NodeOptions): Promise<SwitchyardNode> {
    const target = parseDatabaseUrl(options.config.DATABASE_URL);
    const applied = await applyMigrations(target);
    if (applied.length) options.logger.info({ migrations: applied, dialect: target.dialect }, "schema applied");
    const persistence = openPersistence(target, options.logger, {
      maxQueuedTraces: options.config.TRACE_QUEUE_MAX,
    });
    const node = new SwitchyardNode(options, persistence);
    if (options.config.REDIS_URL) await node.#joinCluster(options.config.REDIS_URL);
    node.#recoveryGate.install(node.io.of("/"));
    await node.#markInterruptedSessions();
    return node;
  }

  async #joinCluster(url: string): Promise<void> {
    const member: ClusterMember = {
      nodeId: this.config.NODE_ID,
      deliverToUser: (event) => this.delivery.deliverLocally(event),
      broadcast: (event) => void this.delivery.broadcastLocally(event),
      acceptTraces: (events) => this.inspector.accept(events),
      localState: () => this.localState(),
      recovered: (runId, messageId, connectionId) => this.recorder.markRecovered(runId, messageId, connectionId),
      unpark: (userId, connectionId) => void this.connections.unpark(userId, connectionId),
      stopRun: (runId, inbound) => {
        if (this.runs.get(runId)?.status === "running") this.runs.requestStop(runId, inbound);
      },
    };
    this.cluster = await Cluster.join(this.io, url, this.config.REDIS_PREFIX, member, this.logger);
    this.delivery.setRemote(this.cluster);
    const cluster = this.cluster;
    this.runs.setRemoteStop((runId, inbound) => cluster.stopRemote(runId, inbound));
    this.tracer.addSink(this.cluster);
    this.logger.info({ prefix: this.config.REDIS_PREFIX }, "joined the cluster");
  }

  /** This node's share of the cluster's state. */
  async localState(): Promise<NodeState> {
    const s = this.stats;
    return {
      node_id: this.config.NODE_ID,
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
    return this.cluster ? this.cluster.states() : [await this.localState()];
  }

  /** Starts listening; resolves with the bound port (port 0 picks a free one). */
  async listen(port = this.config.PORT, host = this.config.HOST): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(port, host, () => resolve());
    });
    this.#retentionTimer = setInterval(() => void this.#enforceRetention(), 60_000);
    this.#retentionTimer.unref();
    void this.#enforceRetention();
    return (this.http.address() as AddressInfo).port;
  }

  /** GET /api/health. */
  async health() {
    const dbOk = await this.persistence.probe();
    const clusterOk = this.cluster ? this.cluster.healthy : true;
    const body: Record<string, unknown> = {
      status: dbOk && clusterOk ? "ok" : "degraded",
      node_id: this.config.NODE_ID,
      version: VERSION,
      uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
      db: dbOk ? "ok" : "unavailable",
    };
    if (this.cluster) body.cluster = clusterOk ? "ok" : "degraded";
    const failing = [...(dbOk ? [] : ["db"]), ...(clusterOk ? [] : ["redis"])];
    if (failing.length) body.failing = failing;
    return body as { status: "ok" | "degraded" } & Record<string, unknown>;
  }

  traceDrops(): number {
    return this.tracer.dropped + this.persistence.tracesDropped + this.inspector.dropped;
  }

  /** Session counts by status, cached for a second (scrapes and the dashboard poll it). */
  sessionCounts(): Promise<Record<string, number>> {
    if (!this.#sessionCounts || Date.now() - this.#sessionCounts.at > 1000) {
      this.#sessionCounts = {
        at: Date.now(),
        value: this.persistence.countSessions().catch(() => ({ running: 0, passed: 0, failed: 0, cancelled: 0 })),
      };
    }
    return this.#sessionCounts.value;
  }

  /** GET /api/stats: the whole cluster (this node alone outside one). */
  async statsSnapshot() {
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
      traces_persisted: this.persistence.tracesWritten,
      heartbeat_traces_counted: this.persistence.heartbeatTracesCounted,
      node_id: this.config.NODE_ID,
      nodes: states.map((n) => n.node_id),
    };
  }

  handlerList() {
    return this.handlers.entries().map((e) => {
      const s = this.stats.handlers.get(e.definition.handler);
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

  /** GET /api/connections: every node's connections, newest first. */
  async connectionList() {
    const states = await this.#states();
    return states.flatMap((n) => n.connections).sort((a, b) => b.connected_at.localeCompare(a.connected_at));
  }

  /** GET /api/users: per-user figures summed over the nodes; violations first, then most recent. */
  async userList() {
    const merged = new Map<string, NodeState["users"][number]>();
    for (const u of (await this.#states()).flatMap((n) => n.users)) {
      const m = merged.get(u.user_id);
      if (!m) merged.set(u.user_id, { ...u });
      else {
        m.connections += u.connections;
        m.events_delivered += u.events_delivered;
        m.isolation_violations += u.isolation_violations;
        if (u.last_activity > m.last_activity) m.last_activity = u.last_activity;
      }
    }
    return [...merged.values()].sort(
      (a, b) => b.isolation_violations - a.isolation_violations || b.last_activity.localeCompare(a.last_activity),
    );
  }

  #localConnections(): NodeState["connections"] {
    return [...this.connections.all()].map((c) => ({
      connection_id: c.id,
      user_id: c.userId,
      node_id: c.nodeId,
      connected_at: new Date(c.connectedAt).toISOString(),
      last_activity: new Date(c.lastActivity).toISOString(),
    }));
  }

  #localUsers(): NodeState["users"] {
    const ids = new Set<string>([...this.connections.users(), ...this.stats.users.keys()]);
    return [...ids].map((userId) => {
      const u = this.stats.users.get(userId);
      return {
        user_id: userId,
        connections: this.connections.countForUser(userId),
        events_delivered: u?.eventsDelivered ?? 0,
        isolation_violations: u?.isolationViolations ?? 0,
        last_activity: new Date(u?.lastActivity ?? Date.now()).toISOString(),
      };
    });
  }

  /** A session from memory (freshest) or the database. */
  async findSession(id: string): Promise<SessionRecord | null> {
    return this.recorder.get(id) ?? this.persistence.findSession(id);
  }

  /** Graceful stop: refuse new connections, mark running sessions interrupted, flush, close. */
  async close(): Promise<void> {
    clearInterval(this.#retentionTimer);
    this.core.close();
    this.inspector.close();
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    if (this.http.listening) await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.persistence.close();
    await this.cluster?.close();
  }

  /** Sessions this node left running when it stopped without a goodbye (crash) are interrupted. */
  async #markInterruptedSessions(): Promise<void> {
    const stale = await this.persistence.db.session.findMany({ where: { status: "running", nodeId: this.config.NODE_ID } });
    for (const row of stale) {
      const s = await this.persistence.findSession(row.id);
      if (!s) continue;
      this.persistence.saveSession({
        ...s,
        status: "failed",
        reasons: [...new Set([...s.reasons, "interrupted"])],
        endedAt: s.endedAt ?? Date.now(),
        updatedAt: Date.now(),
      });
    }
    if (stale.length) this.logger.warn({ sessions: stale.length }, "sessions left running by an earlier process marked interrupted");
  }

  async #enforceRetention(): Promise<void> {
    try {
      const { TRACE_RETENTION_DAYS, TRACE_RETENTION_ROWS, SESSION_RETENTION_DAYS } = this.config;
      const removed = await this.persistence.enforceRetention(TRACE_RETENTION_DAYS, TRACE_RETENTION_ROWS, SESSION_RETENTION_DAYS);
      if (removed.traces || removed.sessions) this.logger.info(removed, "retention enforced");
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "retention failed; will retry");
    }
  }
}

/** Socket.IO's origin check: same host, a listed origin, or no Origin (non-browser clients). */
function originAllowed(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host || allowed.includes(origin);
  } catch {
    return false;
  }
}
