import type { TokenService } from "../auth/tokens";
import type { Config } from "../env";
import type { Logger } from "../logger";
import type { Tracer } from "../trace/tracer";
import type { ConnectionAdmission } from "./admission";
import type { MessageRouter } from "./chat-namespace";
import type { ConnectionRegistry } from "./connection-registry";
import type { Delivery } from "./delivery";

/** What every transport adapter gets: identity, admission, the registry, the one router and delivery path. */
export interface TransportDeps {
  config: Config;
  logger: Logger;
  tokens: TokenService;
  admission: ConnectionAdmission;
  connections: ConnectionRegistry;
  delivery: Delivery;
  router: MessageRouter;
  tracer: Tracer;
}

/** A transport adapter the node can shut down (closing its connections with the transport's own goodbye). */
export interface TransportHandle {
  close(): Promise<void>;
}
