import { hasLoneSurrogate, truncate } from "../text/unicode";
import { randomUUID } from "node:crypto";
import { buildEvent } from "../transport/event-factory";
import type { Connection } from "../transport/connection-registry";
import type { Ack } from "./ack";
import { compose, type Middleware } from "./compose";
import { RouterError, toRouterError } from "./error-codes";
import type { HandlerResult, RequestContext } from "./handler-types";
import { IdempotencyCache } from "./idempotency";
import { measureEnvelope } from "./envelope-size";
import { CLIENT_PAYLOADS, type ClientType, type Envelope, type Faults, type ServerType, SimulateSchema } from "./message-types";
import { ConnectionRateLimiter } from "./rate-limit";
import type { RegisteredHandler } from "./registry";
import type { RouterServices } from "./services";

const MAX_PAYLOAD_DEPTH = 32;

/** One inbound message travelling through the middleware chain. */
interface Inbound {
  conn: Connection;
  raw: unknown;
  traceId: string;
  messageId?: string;
  typeName?: string;
  envelope?: Envelope;
  entry?: RegisteredHandler;
  result?: HandlerResult;
}

/** How a handler's replies leave: straight to the connection, or into the JSON-RPC bridge. */
export interface ReplyChannel {
  reply: (type: ServerType, payload: Record<string, unknown>) => void;
  toUser: (type: ServerType, payload: Record<string, unknown>, ids?: { thread_id?: string; run_id?: string }) => void;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)
  );
}

/**
 * The one router: idempotency, then a middleware chain (rate limit, size, envelope, type resolution) in front
 * of `invoke` (payload validation, role and ownership checks, the handler). `route` never throws:
 * whatever happens becomes an ack, and every step is traced.
 */
export class Router {
  readonly #services: RouterServices;
  readonly #limiter: ConnectionRateLimiter;
  readonly #idempotency = new IdempotencyCache<Ack>();
  readonly #chain: (ctx: Inbound) => Promise<void> | void;
  #faultUsers: (userId: string) => boolean;

  constructor(services: RouterServices) {
    this.#services = services;
    const { config } = services;
    this.#limiter = new ConnectionRateLimiter(config.RATE_LIMIT_PER_S, config.RATE_LIMIT_BURST);
    this.#faultUsers = () => config.FAULT_INJECTION;
    // The rate limit comes first so that a flood of malformed messages is throttled too; size is the
    // first validation, as the contract requires.
    this.#chain = compose<Inbound>([this.#rateLimit, this.#sizeLimit, this.#envelope, this.#resolve, this.#handle]);
  }

  /** Decides whose `payload.simulate` is honoured (FAULT_INJECTION for all, or demo users only). */
  setFaultPolicy(policy: (userId: string) => boolean): void {
    this.#faultUsers = policy;
  }

  /**
   * Routes one client message and returns its ack: at once when no step had to wait (a ping, say),
   * else a promise. Never throws.
   */
  route(conn: Connection, raw: unknown): Ack | Promise<Ack> {
    const { tracer, stats } = this.#services;
    const started = performance.now();
    const ctx: Inbound = { conn, raw, traceId: tracer.newTraceId() };
    conn.lastActivity = Date.now();
    stats.touch(conn.userId);
    const rawType = isPlainObject(raw) && typeof raw.type === "string" ? truncate(raw.type, 64) : undefined;
    tracer.record("received", { trace_id: ctx.traceId, user_id: conn.userId, connection_id: conn.id, message_type: rawType });

    const messageId = isPlainObject(raw) && typeof raw.message_id === "string" && raw.message_id.length <= 128 ? raw.message_id : undefined;
    ctx.messageId = messageId;
    if (messageId) {
      const first = this.#idempotency.get(conn.userId, messageId);
      if (first) return first;
    }
    const ack = this.#run(ctx, started, rawType);
    if (messageId) {
      // A repeated message_id is not routed twice: its first ack is returned again. A RATE_LIMITED
      // ack is the exception (the message was never routed), so a client may retry it later.
      this.#idempotency.set(conn.userId, messageId, ack);
      const forgetIfLimited = (a: Ack) => !a.ok && a.error.code === "RATE_LIMITED" && this.#idempotency.delete(conn.userId, messageId);
      if (ack instanceof Promise) void ack.then(forgetIfLimited);
      else forgetIfLimited(ack);
    }
    return ack;
  }

  #run(ctx: Inbound, started: number, rawType: string | undefined): Ack | Promise<Ack> {
    try {
      const pending = this.#chain(ctx);
      if (pending)
        return pending.then(
          () => this.#accepted(ctx, started),
          (thrown: unknown) => this.#refused(ctx, started, rawType, thrown),
        );
      return this.#accepted(ctx, started);
    } catch (thrown) {
      return this.#refused(ctx, started, rawType, thrown);
    }
  }

  #accepted(ctx: Inbound, started: number): Ack {
    const ack: Ack = { ok: true, type: ctx.entry!.type, message_id: ctx.messageId!, trace_id: ctx.traceId };
    if (ctx.result?.run_id) ack.run_id = ctx.result.run_id;
    if (ctx.result?.thread_id) ack.thread_id = ctx.result.thread_id;
    this.#services.stats.messageRouted(ctx.entry!.type, performance.now() - started);
    return ack;
  }

  #refused(ctx: Inbound, started: number, rawType: string | undefined, thrown: unknown): Ack {
    const { tracer, stats } = this.#services;
    const err = toRouterError(thrown);
    if (err.code === "HANDLER_ERROR" && !(thrown instanceof RouterError)) {
      this.#services.logger.warn({ err: thrown, trace_id: ctx.traceId, type: ctx.entry?.type }, "handler failed");
    }
    stats.rejected(err.code);
    stats.messageRouted(ctx.entry?.type ?? rawType ?? "(invalid)", performance.now() - started);
    tracer.record("rejected", {
      trace_id: ctx.traceId,
      user_id: ctx.conn.userId,
      connection_id: ctx.conn.id,
      message_type: ctx.entry?.type ?? rawType,
      handler: ctx.entry?.definition.handler,
      error: { code: err.code, message: err.message },
    });
    const ack: Ack = { ok: false, error: { code: err.code, message: err.message }, trace_id: ctx.traceId };
    if (ctx.messageId) ack.message_id = ctx.messageId;
    return ack;
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

  readonly #sizeLimit: Middleware<Inbound> = (ctx, next) => {
    const m = measureEnvelope(ctx.raw);
    const limit = this.#services.config.MAX_MESSAGE_BYTES;
    if (m.jsonBytes + m.binaryBytes > limit) {
      throw new RouterError("PAYLOAD_TOO_LARGE", `The envelope is ${m.jsonBytes + m.binaryBytes} bytes; the limit is ${limit}.`);
    }
    if (m.payloadDepth > MAX_PAYLOAD_DEPTH) {
      throw new RouterError("INVALID_MESSAGE", `The payload nests ${m.payloadDepth} levels deep; the limit is ${MAX_PAYLOAD_DEPTH}.`);
    }
    return next();
  };

  readonly #envelope: Middleware<Inbound> = (ctx, next) => {
    const raw = ctx.raw;
    if (!isPlainObject(raw)) throw new RouterError("INVALID_MESSAGE", "A message must be an object with a string `type`.");
    if (typeof raw.type !== "string" || raw.type.length === 0 || raw.type.length > 64) {
      throw new RouterError("INVALID_MESSAGE", "`type` must be a string of 1 to 64 characters.");
    }
    for (const field of ["message_id", "thread_id", "run_id"] as const) {
      const v = raw[field];
      if (v !== undefined && (typeof v !== "string" || v.length === 0 || v.length > 128)) {
        throw new RouterError("INVALID_MESSAGE", `\`${field}\` must be a string of 1 to 128 characters.`);
      }
    }
    if (raw.payload !== undefined && raw.payload !== null && !isPlainObject(raw.payload)) {
      throw new RouterError("INVALID_MESSAGE", "`payload` must be an object.");
    }
    ctx.typeName = raw.type;
    ctx.messageId = (raw.message_id as string | undefined) ?? randomUUID();
    ctx.envelope = {
      type: raw.type,
      payload: raw.payload ?? undefined,
      message_id: raw.message_id as string | undefined,
      thread_id: raw.thread_id as string | undefined,
      run_id: raw.run_id as string | undefined,
    };
    return next();
  };

  readonly #rateLimit: Middleware<Inbound> = (ctx, next) => {
    if (!this.#limiter.allow(ctx.conn)) {
      const { RATE_LIMIT_PER_S, RATE_LIMIT_BURST } = this.#services.config;
      throw new RouterError("RATE_LIMITED", `Too many messages: at most ${RATE_LIMIT_PER_S}/s per connection (burst ${RATE_LIMIT_BURST}).`);
    }
    return next();
  };

  readonly #resolve: Middleware<Inbound> = (ctx, next) => {
    const name = ctx.typeName!;
    const resolution = this.#services.handlers.resolve(name);
    if (resolution.kind === "server_only") {
      throw new RouterError("SERVER_ONLY_TYPE", `"${name}" is sent by the server only; clients may not send it.`);
    }
    if (resolution.kind === "unknown") {
      this.#services.stats.unhandledType(name);
      throw new RouterError("UNKNOWN_MESSAGE_TYPE", `No handler for message type "${name.slice(0, 64)}".`);
    }
    ctx.entry = resolution.entry;
    return next();
  };

  readonly #handle: Middleware<Inbound> = (ctx) => {
    const entry = ctx.entry!;
    const { conn } = ctx;
    this.#services.tracer.record("routed", {
      trace_id: ctx.traceId,
      user_id: conn.userId,
      connection_id: conn.id,
      message_type: entry.type,
      handler: entry.definition.handler,
      thread_id: ctx.envelope!.thread_id,
    });
    const result = this.invoke(
      { conn, traceId: ctx.traceId, messageId: ctx.messageId!, envelope: ctx.envelope! },
      entry,
      ctx.envelope!.payload ?? {},
      this.directChannel(conn, ctx.traceId),
    );
    if (!(result instanceof Promise)) {
      ctx.result = result;
      return;
    }
    return result.then((r) => {
      ctx.result = r;
    });
  };

  /** Replies straight to the requesting connection and its user. */
  directChannel(conn: Connection, traceId: string): ReplyChannel {
    const { delivery } = this.#services;
    return {
      reply: (type, payload) => delivery.toConnection(conn.id, buildEvent(type, payload, { user_id: conn.userId, trace_id: traceId })),
      toUser: (type, payload, ids) => delivery.toUser(buildEvent(type, payload, { user_id: conn.userId, trace_id: traceId, ...ids })),
    };
  }

  /**
   * Validates a payload for a resolved handler, checks role and ownership, and runs the handler with
   * handler_started / handler_finished / handler_failed traces. Used by dispatch and the JSON-RPC bridge.
   * Returns (or throws) at once when nothing had to wait, else returns a promise.
   */
  invoke(
    base: { conn: Connection; traceId: string; messageId: string; envelope: Envelope },
    entry: RegisteredHandler,
    rawPayload: Record<string, unknown>,
    channel: ReplyChannel,
  ): HandlerResult | undefined | Promise<HandlerResult | undefined> {
    const { conn } = base;
    const def = entry.definition;
    if (def.operatorOnly && conn.role !== "operator") {
      throw new RouterError("FORBIDDEN", `"${entry.type}" is for operators only.`);
    }
    const parsed = CLIENT_PAYLOADS[entry.type].safeParse(rawPayload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RouterError(
        "INVALID_MESSAGE",
        `Invalid payload for "${entry.type}": ${issue ? `${issue.path.join(".") || "payload"} ${issue.message}` : "invalid"}.`,
      );
    }
    const ownership = this.#checkOwnership(conn.userId, base.envelope, rawPayload);
    if (ownership) return ownership.then(() => this.#runHandler(base, entry, rawPayload, parsed.data, channel));
    return this.#runHandler(base, entry, rawPayload, parsed.data, channel);
  }

  #runHandler(
    base: { conn: Connection; traceId: string; messageId: string; envelope: Envelope },
    entry: RegisteredHandler,
    rawPayload: Record<string, unknown>,
    payload: unknown,
    channel: ReplyChannel,
  ): HandlerResult | undefined | Promise<HandlerResult | undefined> {
    const { conn } = base;
    const def = entry.definition;
    const { tracer, stats } = this.#services;
    const ids = { trace_id: base.traceId, user_id: conn.userId, connection_id: conn.id, message_type: entry.type, handler: def.handler };
    tracer.record("handler_started", ids);
    const started = performance.now();
    const ctx: RequestContext = {
      conn,
      traceId: base.traceId,
      messageId: base.messageId,
      type: entry.type,
      envelope: base.envelope,
      faults: this.#faults(conn.userId, rawPayload),
      reply: channel.reply,
      toUser: channel.toUser,
      services: this.#services,
    };
    const finished = (result: HandlerResult | undefined): HandlerResult | undefined => {
      const ms = performance.now() - started;
      stats.handlerRan(def.handler, ms, false);
      tracer.record("handler_finished", { ...ids, duration_ms: ms, run_id: result?.run_id, thread_id: result?.thread_id });
      return result;
    };
    const failed = (thrown: unknown): never => {
      const err = toRouterError(thrown);
      const ms = performance.now() - started;
      stats.handlerRan(def.handler, ms, err.code === "HANDLER_ERROR");
      tracer.record("handler_failed", { ...ids, duration_ms: ms, error: { code: err.code, message: err.message } });
      throw err;
    };
    let out: ReturnType<typeof def.handle>;
    try {
      out = def.handle(ctx, payload as never);
    } catch (thrown) {
      return failed(thrown);
    }
    if (out instanceof Promise) return out.then((r) => finished(r ?? undefined), failed);
    return finished(out ?? undefined);
  }

  /** A thread_id or run_id given by the client must name a thread or run of that user (nothing to wait for without one). */
  #checkOwnership(userId: string, envelope: Envelope, payload: Record<string, unknown>): Promise<void> | undefined {
    if (!envelope.thread_id && !envelope.run_id && payload.thread_id === undefined && payload.run_id === undefined) return undefined;
    return this.#checkOwned(userId, envelope, payload);
  }

  async #checkOwned(userId: string, envelope: Envelope, payload: Record<string, unknown>): Promise<void> {
    const threadIds = new Set<string>();
    if (envelope.thread_id) threadIds.add(envelope.thread_id);
    if (typeof payload.thread_id === "string") threadIds.add(payload.thread_id);
    for (const id of threadIds) {
      // An id that is not well-formed text names nothing (and must not reach the database).
      if (hasLoneSurrogate(id)) throw new RouterError("NOT_FOUND", "No such thread.");
      const thread = await this.#services.threads.find(id);
      if (!thread) throw new RouterError("NOT_FOUND", `No thread ${id.slice(0, 128)}.`);
      if (thread.userId !== userId) throw new RouterError("FORBIDDEN", "That thread belongs to another user.");
    }
    const runIds = new Set<string>();
    if (envelope.run_id) runIds.add(envelope.run_id);
    if (typeof payload.run_id === "string") runIds.add(payload.run_id);
    for (const id of runIds) {
      if (hasLoneSurrogate(id)) throw new RouterError("NOT_FOUND", "No such run.");
      const run = await this.#services.runs.describe(id);
      if (!run) throw new RouterError("NOT_FOUND", `No run ${id.slice(0, 128)}.`);
      if (run.userId !== userId) throw new RouterError("FORBIDDEN", "That run belongs to another user.");
    }
  }

  #faults(userId: string, payload: Record<string, unknown>): Faults | null {
    if (payload.simulate === undefined || !this.#faultUsers(userId)) return null;
    const parsed = SimulateSchema.safeParse(payload.simulate);
    if (!parsed.success) throw new RouterError("INVALID_MESSAGE", "Invalid `simulate`: see PROTOCOL.md fault injection.");
    return parsed.data;
  }
}

export type { ClientType };
