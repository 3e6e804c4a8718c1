import { CLIENT_PAYLOADS, type Envelope, type Faults, SimulateSchema, SwitchyardError, toSwitchyardError } from "../../contract";
import type { Connection } from "../transport/connection-registry";
import type { HandlerResult, RegisteredHandler, ReplyChannel, RequestContext, Resolution } from "./handler-types";
import { andThen, type MaybePromise } from "./maybe-async";
import { checkOwnership } from "./ownership";
import type { RouterServices } from "./services";

/** The request a handler runs for: who sent it, under which trace, with which envelope. */
export interface InvokeBase {
  conn: Connection;
  traceId: string;
  messageId: string;
  envelope: Envelope;
}

/**
 * Runs handlers: role check, payload validation against the contract, ownership of named threads and
 * runs, then the handler itself between handler_started and handler_finished / handler_failed traces.
 * The router uses it for every message, the JSON-RPC bridge (through the request context) for its method.
 */
export class HandlerInvoker {
  readonly #services: RouterServices;
  readonly #resolve: (name: string) => Resolution;
  #faultUsers: (userId: string) => boolean;

  constructor(services: RouterServices, resolve: (name: string) => Resolution) {
    this.#services = services;
    this.#resolve = resolve;
    this.#faultUsers = () => services.config.FAULT_INJECTION;
  }

  /** Decides whose `payload.simulate` is honoured (FAULT_INJECTION for all, or demo users only). */
  setFaultPolicy(policy: (userId: string) => boolean): void {
    this.#faultUsers = policy;
  }

  /** Validates, checks and runs; returns (or throws) at once when nothing had to wait. */
  invoke(
    base: InvokeBase,
    entry: RegisteredHandler,
    rawPayload: Record<string, unknown>,
    channel: ReplyChannel,
  ): MaybePromise<HandlerResult | undefined> {
    if (entry.definition.operatorOnly && base.conn.role !== "operator") {
      throw new SwitchyardError("FORBIDDEN", `"${entry.type}" is for operators only.`);
    }
    const parsed = CLIENT_PAYLOADS[entry.type].safeParse(rawPayload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SwitchyardError(
        "INVALID_MESSAGE",
        `Invalid payload for "${entry.type}": ${issue ? `${issue.path.join(".") || "payload"} ${issue.message}` : "invalid"}.`,
      );
    }
    const ownership = checkOwnership(this.#services, base.conn.userId, base.envelope, rawPayload);
    if (ownership) return ownership.then(() => this.#run(base, entry, rawPayload, parsed.data, channel));
    return this.#run(base, entry, rawPayload, parsed.data, channel);
  }

  #run(
    base: InvokeBase,
    entry: RegisteredHandler,
    rawPayload: Record<string, unknown>,
    payload: unknown,
    channel: ReplyChannel,
  ): MaybePromise<HandlerResult | undefined> {
    const { conn } = base;
    const def = entry.definition;
    const { tracer, stats } = this.#services;
    const ids = { trace_id: base.traceId, user_id: conn.userId, connection_id: conn.id, message_type: entry.type, handler: def.handler };
    tracer.record("handler_started", ids);
    const ctx = this.#context(base, entry, rawPayload, channel);
    const started = performance.now();
    return andThen(
      () => def.handle(ctx, payload as never),
      (out) => {
        const result = out ?? undefined;
        const ms = performance.now() - started;
        stats.handlerRan(def.handler, ms, false);
        tracer.record("handler_finished", { ...ids, duration_ms: ms, run_id: result?.run_id, thread_id: result?.thread_id });
        return result;
      },
      (thrown): never => {
        const err = toSwitchyardError(thrown);
        const ms = performance.now() - started;
        stats.handlerRan(def.handler, ms, err.code === "HANDLER_ERROR");
        tracer.record("handler_failed", { ...ids, duration_ms: ms, error: { code: err.code, message: err.message } });
        throw err;
      },
    );
  }

  #context(base: InvokeBase, entry: RegisteredHandler, rawPayload: Record<string, unknown>, channel: ReplyChannel): RequestContext {
    return {
      conn: base.conn,
      traceId: base.traceId,
      messageId: base.messageId,
      type: entry.type,
      envelope: base.envelope,
      faults: this.#faults(base.conn.userId, rawPayload),
      reply: channel.reply,
      toUser: channel.toUser,
      services: this.#services,
      resolve: this.#resolve,
      invoke: async (target, payload, targetChannel) =>
        this.invoke({ ...base, envelope: { ...base.envelope, type: target.type, payload } }, target, payload, targetChannel),
    };
  }

  #faults(userId: string, payload: Record<string, unknown>): Faults | null {
    if (payload.simulate === undefined || !this.#faultUsers(userId)) return null;
    const parsed = SimulateSchema.safeParse(payload.simulate);
    if (!parsed.success) throw new SwitchyardError("INVALID_MESSAGE", "Invalid `simulate`: see PROTOCOL.md fault injection.");
    return parsed.data;
  }
}
