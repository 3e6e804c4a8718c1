import { defineHandler, type HandlerFamily } from "../handler-types";

/** Operator broadcast: queued and flushed in batches to every connection (see BroadcastBatcher). */
export const broadcastHandlers: HandlerFamily = {
  source: "broadcast",
  handlers: [
    defineHandler({
      type: "broadcast",
      handler: "BroadcastHandler.broadcast",
      operatorOnly: true,
      handle: (ctx, payload) => {
        ctx.services.broadcasts.enqueue({
          content: payload.content,
          priority: payload.priority ?? 0,
          from: ctx.conn.userId,
          traceId: ctx.traceId,
        });
      },
    }),
  ],
};
