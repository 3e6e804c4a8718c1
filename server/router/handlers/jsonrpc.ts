import { toRouterError } from "../error-codes";
import { defineHandler, type HandlerFamily } from "../handler-types";
import type { ReplyChannel } from "../dispatch";

const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const SERVER_ERROR = -32000;

/**
 * The JSON-RPC bridge: `method` is any client message type (or alias), `params` its payload. The
 * method runs through the same registry, validation and ownership checks as a plain message; its
 * first reply becomes `result` instead of being sent on its own.
 */
export const jsonRpcHandlers: HandlerFamily = {
  source: "jsonrpc",
  handlers: [
    defineHandler({
      type: "jsonrpc_request",
      handler: "JsonRpcHandler.request",
      handle: async (ctx, payload) => {
        const respond = (body: Record<string, unknown>) => ctx.reply("jsonrpc_response", { jsonrpc: "2.0", id: payload.id, ...body });
        const resolution = ctx.services.handlers.resolve(payload.method);
        if (resolution.kind !== "handled" || resolution.entry.type === "jsonrpc_request") {
          respond({ error: { code: METHOD_NOT_FOUND, message: `Method not found: ${payload.method}` } });
          return;
        }
        const params = payload.params ?? {};
        if (typeof params !== "object" || params === null || Array.isArray(params)) {
          respond({ error: { code: INVALID_PARAMS, message: "params must be an object (the method's payload)" } });
          return;
        }
        let captured: Record<string, unknown> | undefined;
        const channel: ReplyChannel = {
          reply: (_type, p) => {
            captured ??= p;
          },
          toUser: (type, p, ids) => {
            captured ??= p;
            ctx.toUser(type, p, ids);
          },
        };
        const entry = resolution.entry;
        try {
          const result = await ctx.services.router.invoke(
            {
              conn: ctx.conn,
              traceId: ctx.traceId,
              messageId: ctx.messageId,
              envelope: { ...ctx.envelope, type: entry.type, payload: params as Record<string, unknown> },
            },
            entry,
            params as Record<string, unknown>,
            channel,
          );
          if (entry.definition.startsRun && result) respond({ result: { run_id: result.run_id, thread_id: result.thread_id } });
          else respond({ result: captured ?? { status: "processed" } });
        } catch (thrown) {
          const err = toRouterError(thrown);
          if (err.code === "INVALID_MESSAGE") respond({ error: { code: INVALID_PARAMS, message: err.message } });
          else respond({ error: { code: SERVER_ERROR, message: err.code } });
        }
      },
    }),
  ],
};
