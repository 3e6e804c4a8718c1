import type { TokenService } from "../auth/tokens";
import type { Config } from "../env";
import type { Logger } from "../logger";
import type { Tracer } from "../trace/tracer";
import type { ConnectionAdmission } from "./admission";
import type { Ack } from "../../contract";
import type { Connection, ConnectionRegistry } from "./connection-registry";
import type { Delivery } from "./delivery";

/** The router as a transport sees it: a message in, its ack out (at once or later). */
export interface MessageRouter {
  route(conn: Connection, raw: unknown, respond: (ack: Ack) => void): void;
  /** A refused message's ack as an `error_message` event, for clients that sent no ack callback. */
  sendErrorEvent(conn: Connection, ack: Ack): void;
}

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
