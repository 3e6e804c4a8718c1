import { SwitchyardError, toSwitchyardError } from "../../../contract";
import { defineHandler, type HandlerFamily, type ReplyChannel } from "../handler-types";

/**
 * The JSON-RPC bridge: `method` is any client message type (or alias), `params` its payload. The
 * method runs through the same registry, validation and ownership checks as a plain message (through
 * the request context); its first reply becomes `result` instead of being sent on its own. Errors map
 * to JSON-RPC codes through the contract's error table.
 */
export const jsonRpcHandlers: HandlerFamily = {
  source: "jsonrpc",
  handlers: [
    defineHandler({
      type: "jsonrpc_request",
      handler: "JsonRpcHandler.request",
      handle: async (ctx, payload) => {
        const respond = (body: { result: unknown } | { error: { code: number; message: string } }) =>
          ctx.reply("jsonrpc_response", { jsonrpc: "2.0", id: payload.id, ...body });
        try {
          const resolution = ctx.resolve(payload.method);
          if (resolution.kind !== "handled" || resolution.entry.type === "jsonrpc_request") {
            throw new SwitchyardError("UNKNOWN_MESSAGE_TYPE", `Method not found: ${payload.method}`);
          }
          const params = payload.params ?? {};
          if (typeof params !== "object" || params === null || Array.isArray(params)) {
            throw new SwitchyardError("INVALID_MESSAGE", "params must be an object (the method's payload)");
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
          const result = await ctx.invoke(entry, params as Record<string, unknown>, channel);
          if (entry.definition.startsRun && result) respond({ result: { run_id: result.run_id, thread_id: result.thread_id } });
          else respond({ result: captured ?? { status: "processed" } });
        } catch (thrown) {
          respond({ error: toSwitchyardError(thrown).toJsonRpc() });
        }
      },
    }),
  ],
};
