import type { Config } from "../env";
import type { Logger } from "../logger";
import type { RunManager } from "../agent/run-manager";
import type { ThreadStore } from "../store/thread-store";
import type { RouterStats } from "../stats/router-stats";
import type { Tracer } from "../trace/tracer";
import type { ConnectionRegistry } from "../transport/connection-registry";
import type { Delivery } from "../transport/delivery";
import type { QualityService } from "../quality/quality-service";
import type { AgentCatalog } from "../agent/agent-catalog";
import type { BroadcastBatcher } from "./broadcast-batcher";

/** What handlers may use. Passed in, never imported as singletons, so tests can build their own. */
export interface RouterServices {
  config: Config;
  logger: Logger;
  tracer: Tracer;
  stats: RouterStats;
  connections: ConnectionRegistry;
  delivery: Delivery;
  threads: ThreadStore;
  runs: RunManager;
  quality: QualityService;
  broadcasts: BroadcastBatcher;
  agents: AgentCatalog;
}
