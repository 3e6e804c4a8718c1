import { type AgentDeclaration, isEventOf } from "../contract";
import { AgentCatalog, type AgentEntry } from "./agent/agent-catalog";
import { AgentStats } from "./agent/agent-stats";
import { RunManager } from "./agent/run-manager";
import { RunTurns } from "./agent/run-turns";
import { type Clock, realClock } from "./clock";
import type { Config } from "./env";
import type { Logger } from "./logger";
import { QualityService } from "./quality/quality-service";
import { BroadcastBatcher } from "./router/broadcast-batcher";
import { Router } from "./router/router";
import { HANDLER_FAMILIES } from "./router/handlers";
import { HandlerRegistry } from "./router/registry";
import type { RouterServices } from "./router/services";
import { type SessionSink, SessionRecorder } from "./sessions/session-recorder";
import { RouterStats } from "./stats/router-stats";
import { type ThreadPersistence, ThreadStore } from "./store/thread-store";
import { Tracer } from "./trace/tracer";
import { ConnectionRegistry } from "./transport/connection-registry";
import { Delivery } from "./transport/delivery";

export interface RouterCoreOptions {
  config: Config;
  logger: Logger;
  /** Where threads and sessions are stored (the database live, memory in a replay sandbox). */
  store: ThreadPersistence &
    SessionSink & { findSession?(id: string): Promise<{ userId: string; status: string; events: unknown[] } | null> };
  clock?: Clock;
  /** The agents file's declarations (the built-in agents are always there unless redefined). */
  agents?: AgentDeclaration[];
  /** Agents that take the place of declared ones (a recorded replay's agent). */
  agentOverrides?: AgentEntry[];
  /** Decides whose `payload.simulate` is honoured. */
  faultPolicy: (userId: string) => boolean;
}

/** The one router with everything it routes through: registry, delivery, runs, sessions, quality. */
export interface RouterCore extends RouterServices {
  handlers: HandlerRegistry;
  agentStats: AgentStats;
  router: Router;
  recorder: SessionRecorder;
  close(): void;
}

/**
 * Builds the router stack. The live node and the replay sandbox both build it here, so a replay runs
 * through exactly the handlers, middleware and agent the node runs.
 */
export function createRouterCore(options: RouterCoreOptions): RouterCore {
  const { config, logger, store } = options;
  const clock = options.clock ?? realClock;
  const tracer = new Tracer(config.NODE_ID);
  const stats = new RouterStats();
  const connections = new ConnectionRegistry();
  const delivery = new Delivery(connections, tracer, stats, config.OUTBOUND_BUFFER_BYTES);
  // The live node's runs take turns in slices; a replay's virtual clock (options.clock) steps them itself.
  const runs = new RunManager(delivery, logger, clock, options.clock ? null : new RunTurns());
  const quality = new QualityService(delivery);
  const broadcasts = new BroadcastBatcher((event) => delivery.broadcast(event));
  const threads = new ThreadStore(store);
  const recorder = new SessionRecorder(store, tracer, config.NODE_ID, clock);
  const agentStats = new AgentStats();
  runs.observe(recorder);
  runs.observe(quality);
  runs.observe(agentStats);
  // The agent's answer joins the thread's history, so get_thread_history shows the conversation.
  runs.observe({
    onRunEvent: (run, event) => {
      if (isEventOf(event, "agent_completed") && event.payload.final_response) {
        threads.append({
          threadId: run.threadId,
          userId: run.userId,
          runId: run.id,
          role: "assistant",
          content: event.payload.final_response,
        });
      }
    },
  });
  delivery.observe(recorder);
  runs.setLookup(async (runId) => {
    const s = recorder.get(runId) ?? (await store.findSession?.(runId));
    if (!s) return null;
    const status = s.status === "passed" ? "completed" : s.status === "running" || s.status === "cancelled" ? s.status : "failed";
    return { userId: s.userId, status, eventsEmitted: s.events.length };
  });
  const handlers = new HandlerRegistry();
  for (const family of HANDLER_FAMILIES) handlers.registerFamily(family);
  handlers.assertComplete();
  const agents = new AgentCatalog(options.agents ?? [], config.GOLDEN_GAP_MS, logger, options.agentOverrides);

  const services: RouterServices = { config, logger, tracer, stats, connections, delivery, threads, runs, quality, broadcasts, agents };
  const router = new Router(services, handlers);
  router.setFaultPolicy(options.faultPolicy);
  return {
    ...services,
    handlers,
    router,
    recorder,
    agentStats,
    close: () => {
      runs.interruptAll();
      recorder.interruptAll();
      recorder.close();
      broadcasts.close();
      tracer.close();
    },
  };
}
