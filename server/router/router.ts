import { type Ack, type ClientType, isAckErrorCode, SwitchyardError, toSwitchyardError } from "../../contract";
import type { Connection } from "../transport/connection-registry";
import { localId } from "../ids/local-id";
import { buildEvent } from "../transport/event-factory";
import type { HandlerResult, RegisteredHandler, ReplyChannel } from "./handler-types";
import { HandlerInvoker } from "./handler-invoker";
import { IdempotencyCache } from "./idempotency";
import { andThen, type MaybePromise, whenReady } from "./maybe-async";
import { parseEnvelope, peekMessageId, peekType } from "./parse-envelope";
import { ConnectionRateLimiter, RefusalTraceGate, UserRateLimiter } from "./rate-limit";
import type { HandlerRegistry } from "./registry";
import type { RouterServices } from "./services";

/**
 * Requests that cost more than one message of the rate budget (PROTOCOL.md "Starting the server"): they
 * read the database or aggregate every run of the period, or start a run whose events go to every
 * connection of the user (a run of 5 events to 10 connections is 50 writes).
 */
const EXPENSIVE_REQUESTS: Partial<Record<ClientType, number>> = {
  user_message: 4,
  start_agent: 4,
  get_thread_history: 5,
  get_quality_metrics: 5,
  generate_quality_report: 10,
};

/** The per-user budget: USER_RATE_LIMIT_PER_S / _BURST, else 4x the per-connection values. */
function userRateLimit(config: RouterServices["config"]): [perSecond: number, burst: number] {
  return [config.USER_RATE_LIMIT_PER_S ?? 4 * config.RATE_LIMIT_PER_S, config.USER_RATE_LIMIT_BURST ?? 4 * config.RATE_LIMIT_BURST];
}

/** What is known of one inbound message so far: what its ack and traces name. */
interface Inbound {
  conn: Connection;
  traceId: string;
  started: number;
  messageId: string | undefined;
  typeName: string | undefined;
  entry?: RegisteredHandler;
}

/**
 * The one router. Each client message goes through the same straight-line steps: the rate limits (the
 * connection's, then the user's), idempotency, envelope (size first, as the contract requires), type
 * resolution (and the extra cost of expensive types), then the handler invoker (payload, role,
 * ownership, handler). `route` never throws: whatever happens becomes an ack, and every step is traced.
 */
export class Router {
  readonly #services: RouterServices;
  readonly #handlers: HandlerRegistry;
  readonly #invoker: HandlerInvoker;
  readonly #limiter: ConnectionRateLimiter;
  readonly #userLimiter: UserRateLimiter;
  readonly #idempotency = new IdempotencyCache<Ack>();
  readonly #refusalTraces = new RefusalTraceGate();

  constructor(services: RouterServices, handlers: HandlerRegistry) {
    this.#services = services;
    this.#handlers = handlers;
    this.#invoker = new HandlerInvoker(services, (name) => handlers.resolve(name));
    this.#limiter = new ConnectionRateLimiter(services.config.RATE_LIMIT_PER_S, services.config.RATE_LIMIT_BURST);
    this.#userLimiter = new UserRateLimiter(...userRateLimit(services.config));
  }

  /** Decides whose `payload.simulate` is honoured (FAULT_INJECTION for all, or demo users only). */
  setFaultPolicy(policy: (userId: string) => boolean): void {
    this.#invoker.setFaultPolicy(policy);
  }

  /**
   * Routes one client message and hands its ack to `respond`: at once when no step had to wait (a
   * ping, say), else when the handler is done. A repeated message_id gets the first ack again.
   */
  route(conn: Connection, raw: unknown, respond: (ack: Ack) => void): void {
    const { tracer, stats } = this.#services;
    const started = performance.now();
    const traceId = tracer.newTraceId();
    conn.lastActivity = Date.now();
    stats.touch(conn.userId);
    const typeName = peekType(raw);
    const messageId = peekMessageId(raw);
    const r: Inbound = { conn, traceId, started, messageId, typeName };

    // Fair share first, so that a flood (malformed, or the same message_id again and again) is throttled
    // before anything else answers it. The first RATE_LIMITED refusal of a connection in each second is
    // traced like every refusal; the rest of that second's are counted only (RefusalTraceGate).
    const limited = this.#limited(conn, 1);
    if (limited) {
      if (!this.#refusalTraces.admit(conn)) {
        // A flood: past the first refusal of the second, the connection is not read until the next second.
        conn.holdReading?.(1000 - (Date.now() % 1000));
        return respond(this.#refusedUntraced(r, limited));
      }
      tracer.record("received", { trace_id: traceId, user_id: conn.userId, connection_id: conn.id, message_type: typeName });
      return respond(this.#refused(r, limited));
    }
    // A repeat answers with the first ack and writes no trace of its own (it is counted).
    const first = messageId ? this.#idempotency.get(conn.userId, messageId) : undefined;
    if (first) {
      stats.repeated++;
      return whenReady(first, respond);
    }
    tracer.record("received", { trace_id: traceId, user_id: conn.userId, connection_id: conn.id, message_type: typeName });
    const ack = this.#steps(r, raw);
    if (messageId) this.#remember(conn.userId, messageId, ack);
    whenReady(ack, respond);
  }

  /** `route` as a promise, for callers that wait anyway (the replay sandbox). */
  routeAsync(conn: Connection, raw: unknown): Promise<Ack> {
    return new Promise((resolve) => this.route(conn, raw, resolve));
  }

  #steps(r: Inbound, raw: unknown): MaybePromise<Ack> {
    const { config, tracer } = this.#services;
    const envelope = parseEnvelope(raw, config.MAX_MESSAGE_BYTES);
    if (envelope instanceof SwitchyardError) return this.#refused(r, envelope);
    const messageId = envelope.message_id ?? localId();
    const routed: Inbound = { ...r, messageId, typeName: envelope.type };
    const resolution = this.#handlers.resolve(envelope.type);
    if (resolution.kind !== "handled") return this.#refused(routed, this.#unroutable(envelope.type, resolution.kind));
    const entry = resolution.entry;
    // Expensive requests count as several messages (the first was counted on arrival), never more than a
    // second's budget of the connection, so that a tiny RATE_LIMIT_PER_S still lets each through in time.
    const extra = Math.min(EXPENSIVE_REQUESTS[entry.type] ?? 1, this.#services.config.RATE_LIMIT_PER_S) - 1;
    const tooExpensive = extra > 0 ? this.#limited(r.conn, extra) : null;
    if (tooExpensive) return this.#refused({ ...routed, entry }, tooExpensive);
    const { conn, traceId } = r;
    tracer.record("routed", {
      trace_id: traceId,
      user_id: conn.userId,
      connection_id: conn.id,
      message_type: entry.type,
      handler: entry.definition.handler,
      thread_id: envelope.thread_id,
    });
    return andThen(
      () => this.#invoker.invoke({ conn, traceId, messageId, envelope }, entry, envelope.payload ?? {}, this.#directChannel(conn, traceId)),
      (result) => this.#accepted(r, entry, messageId, result),
      (thrown) => this.#refused({ ...routed, entry }, thrown),
    );
  }

  /** RATE_LIMITED when the connection's or the user's budget has no room for `cost` messages now. */
  #limited(conn: Connection, cost: number): SwitchyardError | null {
    const { config } = this.#services;
    if (!this.#limiter.allow(conn, cost)) {
      const { RATE_LIMIT_PER_S, RATE_LIMIT_BURST } = config;
      return new SwitchyardError(
        "RATE_LIMITED",
        `Too many messages: at most ${RATE_LIMIT_PER_S}/s per connection (burst ${RATE_LIMIT_BURST}).`,
      );
    }
    if (!this.#userLimiter.allow(conn.userId, cost)) {
      const [perSecond, burst] = userRateLimit(config);
      return new SwitchyardError(
        "RATE_LIMITED",
        `Too many messages from this user: at most ${perSecond}/s across all connections (burst ${burst}).`,
      );
    }
    return null;
  }

  #unroutable(name: string, kind: "server_only" | "unknown"): SwitchyardError {
    if (kind === "server_only")
      return new SwitchyardError("SERVER_ONLY_TYPE", `"${name}" is sent by the server only; clients may not send it.`);
    this.#services.stats.unhandledType(name);
    return new SwitchyardError("UNKNOWN_MESSAGE_TYPE", `No handler for message type "${name.slice(0, 64)}".`);
  }

  /**
   * A repeated message_id is not routed twice: its first ack is returned again. A RATE_LIMITED ack is
   * the exception (the message was never routed), so a client may retry it later.
   */
  #remember(userId: string, messageId: string, ack: MaybePromise<Ack>): void {
    this.#idempotency.set(userId, messageId, ack);
    whenReady(ack, (a) => {
      if (!a.ok && a.error.code === "RATE_LIMITED") this.#idempotency.delete(userId, messageId);
    });
  }

  #accepted(r: Inbound, entry: RegisteredHandler, messageId: string, result: HandlerResult | undefined): Ack {
    const ack: Ack = { ok: true, type: entry.type, message_id: messageId, trace_id: r.traceId };
    if (result?.run_id) ack.run_id = result.run_id;
    if (result?.thread_id) ack.thread_id = result.thread_id;
    this.#services.stats.messageRouted(entry.type, performance.now() - r.started);
    return ack;
  }

  #refused(r: Inbound, thrown: unknown): Ack {
    const { tracer, stats, logger } = this.#services;
    const err = toSwitchyardError(thrown);
    if (err.code === "HANDLER_ERROR" && !(thrown instanceof SwitchyardError)) {
      logger.warn({ err: thrown, trace_id: r.traceId, type: r.entry?.type }, "handler failed");
    }
    // An ack carries the contract's ack codes only; any other code raised inside is the handler's failure.
    const code = isAckErrorCode(err.code) ? err.code : "HANDLER_ERROR";
    stats.rejected(code);
    stats.messageRouted(r.entry?.type ?? r.typeName ?? "(invalid)", performance.now() - r.started);
    tracer.record("rejected", {
      trace_id: r.traceId,
      user_id: r.conn.userId,
      connection_id: r.conn.id,
      message_type: r.entry?.type ?? r.typeName,
      handler: r.entry?.definition.handler,
      error: { code, message: err.message },
    });
    return failedAck(r, code, err.message);
  }

  /** A RATE_LIMITED refusal in a flood: the same ack, counted, no trace rows (its trace_id names no trace). */
  #refusedUntraced(r: Inbound, err: SwitchyardError): Ack {
    const { stats } = this.#services;
    stats.rejected("RATE_LIMITED");
    stats.rateLimitedUntraced++;
    return failedAck(r, "RATE_LIMITED", err.message);
  }

  /** Sends a failed ack as an `error_message` event, for clients that sent no ack callback. */
  sendErrorEvent(conn: Connection, ack: Ack): void {
    if (ack.ok) return;
    this.#services.delivery.toConnection(
      conn.id,
      buildEvent(
        "error_message",
        { error_code: ack.error.code, error_message: ack.error.message },
        { user_id: conn.userId, trace_id: ack.trace_id },
      ),
    );
  }

  /** Replies straight to the requesting connection and its user. */
  #directChannel(conn: Connection, traceId: string): ReplyChannel {
    const { delivery } = this.#services;
    return {
      reply: (type, payload) => delivery.toConnection(conn.id, buildEvent(type, payload, { user_id: conn.userId, trace_id: traceId })),
      toUser: (type, payload, ids) => delivery.toUser(buildEvent(type, payload, { user_id: conn.userId, trace_id: traceId, ...ids })),
    };
  }
}

/** The ack of a refused message: its code and message, its trace id, and its message_id when it had one. */
function failedAck(r: Inbound, code: Extract<Ack, { ok: false }>["error"]["code"], message: string): Ack {
  const ack: Ack = { ok: false, error: { code, message }, trace_id: r.traceId };
  if (r.messageId) ack.message_id = r.messageId;
  return ack;
}
