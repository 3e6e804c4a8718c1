import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Ack, SwitchyardError } from "../../../contract";
import type { AgentCatalog } from "../../agent/agent-catalog";
import type { RunManager } from "../../agent/run-manager";
import type { Identity } from "../../auth/identity";
import type { ThreadStore } from "../../store/thread-store";
import type { Connection } from "../connection-registry";
import { buildEvent } from "../event-factory";
import type { TransportDeps, TransportHandle } from "../transport-deps";
import { ClientThreads } from "./client-threads";
import { answerPreflight, authenticate, corsFor, readBody, RUN_ID_HEADER, sendRefusal, THREAD_ID_HEADER } from "./http-gate";
import { parseRunRequest, type RunRequest } from "./run-input";
import { AgUiRunStream } from "./run-stream";
import { UserRateBuckets } from "./user-rate-buckets";

/** What the AG-UI endpoint needs besides every transport's parts: the agents, threads and runs. */
export interface AgUiEndpointDeps extends TransportDeps {
  agents: AgentCatalog;
  threads: ThreadStore;
  runs: RunManager;
}

/** The endpoint: its request handler (for POST and the CORS preflight), and its shutdown. */
export interface AgUiEndpoint extends TransportHandle {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

/** The largest request body the endpoint reads (a RunAgentInput with the client's whole conversation). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** True for the paths the AG-UI endpoint answers. */
export const isAgUiPath = (pathname: string): boolean => pathname === "/ag-ui" || pathname.startsWith("/ag-ui/");

/** One request that passed every check before the router: who asks, which agent, for what. */
interface Admitted {
  identity: Identity;
  agentName: string;
  run: RunRequest;
  cors: Record<string, string>;
}

/**
 * AG-UI over HTTP at `POST /ag-ui/<agent>` and `POST /ag-ui` (PROTOCOL.md "Other client transports"). Each
 * request is checked (origin, token, agent, body, RunAgentInput, MAX_CONNECTIONS_PER_USER), its client
 * threadId resolved to the user's thread, and it becomes a run-scoped connection (`transport: "sse"`) that
 * sends `start_agent` through the one router; the run's events come back through the one delivery path
 * and leave as AG-UI events. Every refusal is an HTTP status with the contract's JSON error body, before
 * any stream. A client that leaves before the run ends stops the run.
 */
export function createAgUiEndpoint(deps: AgUiEndpointDeps): AgUiEndpoint {
  const threads = new ClientThreads(deps.threads);
  const buckets = new UserRateBuckets();
  const open = new Set<AgUiRunStream>();
  let closing = false;

  /** The checks before the router, in order: origin, preflight, method, token, agent, body, input. */
  async function admit(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<Admitted | null> {
    if (req.method === "OPTIONS") {
      answerPreflight(res, cors);
      return null;
    }
    if (req.method !== "POST") {
      sendRefusal(res, new SwitchyardError("METHOD_NOT_ALLOWED", `${req.method} is not allowed on the AG-UI endpoint; use POST.`), {
        ...cors,
        Allow: "POST, OPTIONS",
      });
      return null;
    }
    const identity = await authenticate(req, deps.tokens);
    const agentName = agentNameOf(req.url ?? "/ag-ui", deps.agents);
    const run = parseRunRequest(await readBody(req, MAX_BODY_BYTES));
    return { identity, agentName, run, cors };
  }

  /** Registers the run-scoped connection and hands `start_agent` to the router; the ack decides the answer. */
  async function start(res: ServerResponse, a: Admitted, gone: () => boolean): Promise<void> {
    const { identity, run, cors } = a;
    const release = deps.admission.reserve(identity.userId);
    if (!release)
      throw new SwitchyardError("TOO_MANY_CONNECTIONS", `At most ${deps.config.MAX_CONNECTIONS_PER_USER} connections per user.`);
    let conn: Connection;
    let threadId: string;
    try {
      const thread = await threads.resolve(identity.userId, run.input.threadId, run.content);
      if (closing) throw shuttingDown();
      if (gone()) return;
      threadId = thread.threadId;
      if (thread.created) announceThread(identity.userId, thread.created.id, thread.created.title);
      conn = register(identity);
    } finally {
      release();
    }
    const payload: Record<string, unknown> = { content: run.content, agent_name: a.agentName };
    if (run.simulate !== undefined) payload.simulate = run.simulate;
    deps.router.route(conn, { type: "start_agent", payload, thread_id: threadId }, (ack) => {
      if (!ack.ok || !ack.run_id) {
        unregister(conn);
        return sendRefusal(res, refusalOf(ack), cors);
      }
      const runId = ack.run_id;
      conn.runScope = runId;
      if (gone() || closing) {
        // Nobody to stream to: a client that left stops its run; on shutdown the node interrupts it.
        unregister(conn);
        if (gone()) return stopRun(runId);
        return sendRefusal(res, shuttingDown(), cors);
      }
      const stream = new AgUiRunStream(res, { threadId: run.input.threadId, runId: run.input.runId }, (why) => {
        open.delete(stream);
        unregister(conn);
        if (why === "client_closed") stopRun(runId);
      });
      conn.writer = stream;
      open.add(stream);
      stream.open({ ...cors, [RUN_ID_HEADER]: runId, [THREAD_ID_HEADER]: ack.thread_id ?? threadId });
    });
  }

  function register(identity: Identity): Connection {
    const now = Date.now();
    const conn: Connection = {
      id: `conn_${randomUUID()}`,
      userId: identity.userId,
      role: identity.role,
      nodeId: deps.config.NODE_ID,
      transport: "sse",
      runScope: "",
      connectedAt: now,
      lastActivity: now,
      acks: false,
      // Replaced by the stream once the run has started; nothing reaches a connection whose scope is "".
      writer: { write: () => undefined, queuedBytes: () => 0, close: () => undefined },
      rateBucket: buckets.bucketFor(identity.userId),
    };
    deps.connections.add(conn);
    deps.tracer.record("connection_opened", { trace_id: deps.tracer.newTraceId(), user_id: conn.userId, connection_id: conn.id });
    return conn;
  }

  function unregister(conn: Connection): void {
    if (!deps.connections.remove(conn.id)) return;
    deps.tracer.record("connection_closed", { trace_id: deps.tracer.newTraceId(), user_id: conn.userId, connection_id: conn.id });
  }

  /** The client left before the run ended: the run is stopped as a `stop_agent` would (status `cancelled`). */
  function stopRun(runId: string): void {
    deps.runs.requestStop(runId, { type: "stop_agent", message_id: randomUUID(), payload: { run_id: runId } });
  }

  /** The new thread, as `thread_created` to the user's other connections (as a `user_message` without thread would). */
  function announceThread(userId: string, threadId: string, title: string): void {
    const event = buildEvent(
      "thread_created",
      { thread_id: threadId, title },
      { user_id: userId, trace_id: deps.tracer.newTraceId(), thread_id: threadId },
    );
    deps.delivery.toUser(event);
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let cors: Record<string, string> = {};
    let left = false;
    res.once("close", () => (left = !res.writableFinished));
    try {
      cors = corsFor(req, deps.config.ALLOWED_ORIGINS);
      if (closing) throw shuttingDown();
      const admitted = await admit(req, res, cors);
      if (admitted && !left) await start(res, admitted, () => left);
    } catch (err) {
      if (err instanceof SwitchyardError) return sendRefusal(res, err, cors);
      deps.logger.error({ err }, "ag-ui request failed");
      sendRefusal(res, new SwitchyardError("INTERNAL", "The server failed to answer this request."), cors);
    }
  }

  return {
    handle: (req, res) => void serve(req, res),
    close: async () => {
      closing = true;
      for (const stream of [...open]) stream.close("shutdown");
    },
  };
}

/** The agent a path names (`/ag-ui` for the default one); NOT_FOUND for an agent that does not exist. */
function agentNameOf(url: string, agents: AgentCatalog): string {
  const path = url.split("?")[0]!;
  const rest = path === "/ag-ui" ? "" : path.slice("/ag-ui/".length);
  let name: string | undefined;
  try {
    name = rest === "" ? undefined : decodeURIComponent(rest);
  } catch {
    name = rest;
  }
  const agent = name?.includes("/") ? undefined : agents.get(name);
  if (!agent)
    throw new SwitchyardError("NOT_FOUND", `No agent named "${(name ?? "").slice(0, 64)}". Available: ${agents.names().join(", ")}.`);
  return agent.name;
}

/** A refused ack as the error to answer with: its code, with the HTTP status of the error table. */
function refusalOf(ack: Ack): SwitchyardError {
  if (ack.ok) return new SwitchyardError("HANDLER_ERROR", "The run did not start.");
  return new SwitchyardError(ack.error.code, ack.error.message);
}

/** The answer to a request that arrives while the node shuts down (503: no code of the table says it better). */
function shuttingDown(): SwitchyardError {
  return new SwitchyardError("INTERNAL", "The server is shutting down.", { status: 503 });
}
