import type { ClientType, Envelope, EventIds, Faults, PayloadOf, ServerEventPayloads, ServerType } from "../../contract";
import type { Connection } from "../transport/connection-registry";
import type { RouterServices } from "./services";

/** What a handler may return: the ids the ack carries. */
export interface HandlerResult {
  run_id?: string;
  thread_id?: string;
}

/** How a handler's replies leave: straight to the connection, or into the JSON-RPC bridge. */
export interface ReplyChannel {
  /** Replies to the requesting connection only (the JSON-RPC bridge captures this). */
  reply: <T extends ServerType>(type: T, payload: ServerEventPayloads[T]) => void;
  /** Sends an event to every connection of the requesting user (the JSON-RPC bridge also reads it). */
  toUser: <T extends ServerType>(type: T, payload: ServerEventPayloads[T], ids?: Pick<EventIds, "thread_id" | "run_id">) => void;
}

/** One inbound message as a handler sees it. */
export interface RequestContext extends ReplyChannel {
  conn: Connection;
  traceId: string;
  messageId: string;
  type: ClientType;
  envelope: Envelope;
  /** `payload.simulate` when fault injection applies to this user, else null. */
  faults: Faults | null;
  services: RouterServices;
  /** Looks a type name (canonical or alias) up in the registry. */
  resolve(name: string): Resolution;
  /**
   * Runs another handler on behalf of this request (the JSON-RPC bridge): the same payload validation,
   * role and ownership checks and traces as a message of its own, with replies going to `channel`.
   */
  invoke(entry: RegisteredHandler, payload: Record<string, unknown>, channel: ReplyChannel): Promise<HandlerResult | undefined>;
}

/** A handler for one canonical type. */
export interface HandlerDefinition<T extends ClientType = ClientType> {
  type: T;
  /** The handler's name as /api/handlers shows it. */
  handler: string;
  /** Only operators may send this type. */
  operatorOnly?: boolean;
  /** Whether this type starts a run (the JSON-RPC bridge answers `{run_id, thread_id}` for it). */
  startsRun?: boolean;
  handle(ctx: RequestContext, payload: PayloadOf<T>): Promise<HandlerResult | void> | HandlerResult | void;
}

/** A family of handlers living in one file, registered with one call. */
export interface HandlerFamily {
  source: string;
  handlers: HandlerDefinition<any>[];
}

/** A handler as the registry holds it. */
export interface RegisteredHandler {
  type: ClientType;
  aliases: string[];
  source: string;
  definition: HandlerDefinition;
}

/** The outcome of looking a type name up. */
export type Resolution = { kind: "handled"; entry: RegisteredHandler } | { kind: "server_only" } | { kind: "unknown" };

/** Declares one handler with its payload type inferred from the type name. */
export function defineHandler<T extends ClientType>(def: HandlerDefinition<T>): HandlerDefinition<T> {
  return def;
}
