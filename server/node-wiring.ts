import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { resolveAuthSecret } from "./auth/secret-files";
import { TokenService } from "./auth/tokens";
import { loadAgentsFile } from "./agent/agents-file";
import { OpenAiAgent } from "./agent/openai/openai-agent";
import { alertRules, type NodeAlerts, startAlerts } from "./alerts/wire-alerts";
import { Cluster, type ClusterMember } from "./cluster/cluster";
import { faultPolicy } from "./demo/demo-traffic";
import type { Config } from "./env";
import type { Logger } from "./logger";
import { createApiHandler, isApiPath } from "./operator/api-handler";
import { apiRoutes } from "./operator/api-routes";
import { pageSecurity } from "./operator/http-kit";
import { InspectorHub } from "./operator/inspector-hub";
import type { OtelExport } from "./otel/otel-export";
import { otelSettings } from "./otel/otel-settings";
import { NodeQueries } from "./operator/node-queries";
import type { Route } from "./operator/routes";
import { replayAndStore } from "./replay/replay-service";
import { createRouterCore, type RouterCore } from "./router-core";
import { PrometheusMetrics } from "./stats/prometheus";
import type { Persistence } from "./store/persistence";
import { ConnectionAdmission } from "./transport/admission";
import { createAgUiEndpoint, isAgUiPath } from "./transport/ag-ui-http/ag-ui-endpoint";
import { attachChat } from "./transport/chat-namespace";
import { ConnectionCaps } from "./transport/connection-caps";
import type { ChatServer } from "./transport/chat-socket";
import { RecoveryGate } from "./transport/recovery";
import { createIoServer } from "./transport/socket-io-server";
import type { TransportDeps, TransportHandle } from "./transport/transport-deps";
import { attachWebSocket } from "./transport/ws/attach-websocket";

/** Where the agents file is looked for when AGENTS_FILE is unset. */
const DEFAULT_AGENTS_FILE = "./switchyard.agents.json";

export interface NodeOptions {
  config: Config;
  logger: Logger;
  /** Serves everything that is not /api/*, /metrics or Socket.IO (the Next.js request handler). */
  pageHandler?: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Everything one node is made of, wired. */
export interface NodeParts extends RouterCore {
  tokens: TokenService;
  persistence: Persistence;
  queries: NodeQueries;
  metrics: PrometheusMetrics;
  /** The operator API's routes, one per endpoint of the contract. */
  routes: Route[];
  http: HttpServer;
  io: ChatServer;
  inspector: InspectorHub;
  recoveryWindowMs: number;
  /** Set when REDIS_URL joins this node to a cluster. */
  cluster: Cluster | null;
  /** MAX_CONNECTIONS_PER_USER across every transport. */
  admission: ConnectionAdmission;
  /** The transports besides Socket.IO: plain WebSocket at /ws, AG-UI over HTTP at /ag-ui. */
  transports: TransportHandle[];
  /** MAX_CONNECTIONS and MAX_CONNECTIONS_PER_ADDRESS, in front of every TCP connection of `http`. */
  connectionCaps: ConnectionCaps;
}

/**
 * Wires one node: the router core (createRouterCore wires its own observers, shared with replay),
 * then every sink, observer and callback between the node's parts, the operator surfaces on the read
 * model, and the cluster when REDIS_URL is set. Nothing else in the server calls observe/add/set.
 */
export async function wireNode(options: NodeOptions, persistence: Persistence): Promise<NodeParts> {
  const { config, logger } = options;
  const startedAt = Date.now();
  const tokens = new TokenService(resolveAuthSecret(config.AUTH_SECRET, config.DATA_DIR));
  const declarations = loadAgentsFile(config.AGENTS_FILE ?? DEFAULT_AGENTS_FILE, config.AGENTS_FILE !== undefined);
  const rules = alertRules(config);
  const core = createRouterCore({
    config,
    logger,
    store: persistence,
    faultPolicy: faultPolicy(config.FAULT_INJECTION, config.DEMO_TRAFFIC),
    agents: declarations,
  });
  let cluster: Cluster | null = null;
  let inspector: InspectorHub | null = null;
  let alerts: NodeAlerts | null = null;
  const otel = await wireOtel(core, options);
  const queries = new NodeQueries({
    nodeId: config.NODE_ID,
    startedAt,
    stats: core.stats,
    connections: core.connections,
    handlers: core.handlers,
    agents: core.agents,
    agentStats: core.agentStats,
    recorder: core.recorder,
    tracer: core.tracer,
    persistence,
    cluster: () => cluster,
    inspectorDropped: () => inspector?.dropped ?? 0,
  });
  const metrics = new PrometheusMetrics({
    connections: () => core.connections.size,
    users: () => core.connections.userCount,
    isolationViolations: () => core.stats.isolationViolations,
    traceDrops: () => queries.traceDrops(),
    clientErrorReports: () => core.stats.clientErrorReports,
    rejectionsByCode: () => core.stats.errorsByCode,
    untracedRefusals: () => core.stats.rateLimitedUntraced,
    sessions: () => queries.sessionCounts(),
    acksBeforeCommit: () => core.threads.acksBeforeCommit,
    writeBehindQueued: () => ({ traces: persistence.queuedTraces, sessions: persistence.queuedSessions }),
    otelExport: otel ? () => otel.stats() : undefined,
    alertNotifications: () => alerts?.notifier.counts ?? null,
  });
  core.tracer.addSink(persistence);
  core.tracer.addSink(metrics);

  const routes = apiRoutes({
    queries,
    tokens,
    metrics,
    nodeId: config.NODE_ID,
    listAlerts: (q) => persistence.listAlerts(q),
    replay: (session, faults, agent) => replayAndStore(session, faults, config, logger, persistence, { agents: declarations, agent }),
  });
  const api = createApiHandler(routes, tokens, logger, config.ALLOWED_ORIGINS);
  const admission = new ConnectionAdmission(core.connections, config.MAX_CONNECTIONS_PER_USER);
  const transportDeps: TransportDeps = {
    config,
    logger,
    tokens,
    admission,
    connections: core.connections,
    delivery: core.delivery,
    router: core.router,
    tracer: core.tracer,
  };
  const agUi = createAgUiEndpoint({ ...transportDeps, agents: core.agents, threads: core.threads, runs: core.runs });
  // requestTimeout bounds receiving a request (headers and body), never a response: SSE streams and
  // upgraded sockets are not cut. Expiry is checked every connectionsCheckingInterval (Node: 30 s).
  const timeouts = {
    headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.HTTP_HEADERS_TIMEOUT_MS / 4))),
  };
  const http = createServer(timeouts, servePages(api, agUi.handle, options.pageHandler, pageSecurity(config.NODE_ENV === "production")));
  const connectionCaps = new ConnectionCaps({
    maxConnections: config.MAX_CONNECTIONS,
    maxPerAddress: config.MAX_CONNECTIONS_PER_ADDRESS,
    trustProxy: config.TRUST_PROXY,
  });
  connectionCaps.install(http);
  const ws = attachWebSocket(http, transportDeps);
  const recoveryWindowMs = config.RECOVERY_WINDOW_MS;
  core.recorder.setRecoveryWindow(recoveryWindowMs);
  const io = createIoServer(http, config, recoveryWindowMs);
  const recoveryGate = new RecoveryGate();
  attachChat(io.of("/"), {
    ...transportDeps,
    localOnly: () => cluster !== null && !cluster.healthy,
    recovery: {
      gate: recoveryGate,
      windowMs: recoveryWindowMs,
      onResumed: (conn) => cluster?.unparkEverywhere(conn.userId, conn.id),
      onRecovered: (conn, event) => {
        if (!event.run_id) return;
        const r = { run_id: event.run_id, message_id: event.message_id, connection_id: conn.id, user_id: conn.userId };
        if (cluster) void cluster.recovered(r);
        else core.recorder.markRecovered(r.run_id, r.message_id, r.connection_id);
      },
    },
  });
  inspector = new InspectorHub(io.of("/inspector"), {
    tokens,
    queries,
    nodeId: config.NODE_ID,
    maxEventsPerS: config.INSPECTOR_MAX_EVENTS_PER_S,
    maxQueuedBytes: config.OUTBOUND_BUFFER_BYTES,
    tracer: core.tracer,
  });
  core.tracer.addSink(inspector);

  if (config.REDIS_URL) cluster = await joinCluster(core, io, inspector, queries, options);
  alerts = await startAlerts({ config, logger, persistence, queries, stats: core.stats, cluster }, rules);
  // After the cluster's adapter replaced the default one: the gate wraps the adapter in place.
  recoveryGate.install(io.of("/"));
  return {
    ...core,
    close: () => {
      core.close();
      void otel?.shutdown();
      void alerts?.close();
    },
    tokens,
    persistence,
    queries,
    metrics,
    routes,
    http,
    io,
    inspector,
    recoveryWindowMs,
    cluster,
    admission,
    transports: [ws, agUi],
    connectionCaps,
  };
}

/**
 * The OpenTelemetry export of runs (docs/observability.md), when an OTLP endpoint is configured: loaded
 * only then, it observes runs, deliveries, model turns and the trace stream, and routes nothing.
 */
async function wireOtel(core: RouterCore, { config, logger }: NodeOptions): Promise<OtelExport | null> {
  const settings = otelSettings(config);
  if (!settings) return null;
  const { startOtelExport } = await import("./otel/otel-export");
  const otel = startOtelExport(settings, {
    logger,
    verdictOf: (runId) => core.recorder.get(runId),
    modelOf: (agent) => core.agents.get(agent)?.model,
  });
  core.runs.observe(otel.collector);
  core.delivery.observe(otel.collector);
  core.tracer.addSink(otel.collector);
  for (const entry of core.agents.entries()) if (entry.runner instanceof OpenAiAgent) entry.runner.observeTurns(otel.collector);
  return otel;
}

/** The HTTP server's request handler: the operator API, else the dashboard's pages with security headers (a CSP nonce). */
function servePages(
  api: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  agUi: (req: IncomingMessage, res: ServerResponse) => void,
  pages: NodeOptions["pageHandler"],
  prepare: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const pathname = (req.url ?? "/").split("?")[0]!;
    if (isApiPath(pathname)) return void api(req, res);
    if (isAgUiPath(pathname)) return agUi(req, res);
    if (pages) {
      prepare(req, res);
      return pages(req, res);
    }
    res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
  };
}

/** Joins the cluster through Redis: other nodes' events, traces and questions reach this node's parts. */
async function joinCluster(core: RouterCore, io: ChatServer, inspector: InspectorHub, queries: NodeQueries, options: NodeOptions) {
  const { config, logger } = options;
  const member: ClusterMember = {
    nodeId: config.NODE_ID,
    holdsUser: (userId) => core.connections.countForUser(userId) > 0 || core.connections.parkedConnections(userId).length > 0,
    deliverToUser: (event) => core.delivery.deliverLocally(event),
    broadcast: (event) => void core.delivery.broadcastLocally(event),
    acceptTraces: (events) => inspector.accept(events),
    localState: () => queries.localState(),
    recovered: (runId, messageId, connectionId) => core.recorder.markRecovered(runId, messageId, connectionId),
    unpark: (userId, connectionId) => void core.connections.unpark(userId, connectionId),
    stopRun: (runId, inbound) => {
      if (core.runs.get(runId)?.status === "running") core.runs.requestStop(runId, inbound);
    },
  };
  const cluster = await Cluster.join(io, config.REDIS_URL!, config.REDIS_PREFIX, member, logger);
  core.delivery.setRemote(cluster);
  core.runs.setRemoteStop((runId, inbound) => cluster.stopRemote(runId, inbound));
  core.tracer.addSink(cluster);
  inspector.onWatched((watched) => cluster.inspectorWatched(watched));
  // Presence is claimed on `connection_opened`, which every transport traces before its greeting.
  core.tracer.onRecord((e) => {
    if (e.kind === "connection_opened" && e.user_id) cluster.userOpened(e.user_id);
  });
  logger.info({ prefix: config.REDIS_PREFIX }, "joined the cluster");
  return cluster;
}
