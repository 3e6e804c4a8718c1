import type { Faults, PayloadOf, ClientType, Envelope, ServerType } from "./message-types";
import type { Connection } from "../transport/connection-registry";
import type { RouterServices } from "./services";

/** What a handler may return: the ids the ack carries. */
export interface HandlerResult {
  run_id?: string;
  thread_id?: string;
}

/** One inbound message as a handler sees it. */
export interface RequestContext {
  conn: Connection;
  traceId: string;
  messageId: string;
  type: ClientType;
  envelope: Envelope;
  /** `payload.simulate` when fault injection applies to this user, else null. */
  faults: Faults | null;
  /** Replies to the requesting connection only (the JSON-RPC bridge captures this). */
  reply(type: ServerType, payload: Record<string, unknown>): void;
  /** Sends an event to every connection of the requesting user (the JSON-RPC bridge also reads it). */
  toUser(type: ServerType, payload: Record<string, unknown>, ids?: { thread_id?: string; run_id?: string }): void;
  services: RouterServices;
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

/** Declares one handler with its payload type inferred from the type name. */
export function defineHandler<T extends ClientType>(def: HandlerDefinition<T>): HandlerDefinition<T> {
  return def;
}
