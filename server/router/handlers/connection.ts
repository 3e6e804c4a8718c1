import { defineHandler, type HandlerFamily } from "../handler-types";

/** connect / disconnect: acknowledge the client's own session messages (the socket stays open). */
export const connectionHandlers: HandlerFamily = {
  source: "connection",
  handlers: [
    defineHandler({
      type: "connect",
      handler: "ConnectionHandler.connect",
      handle: (ctx) => ctx.reply("system_message", { status: "connected", user_id: ctx.conn.userId }),
    }),
    defineHandler({
      type: "disconnect",
      handler: "ConnectionHandler.disconnect",
      handle: (ctx) => ctx.reply("system_message", { status: "disconnect_acknowledged", user_id: ctx.conn.userId }),
    }),
  ],
};
