import { isoNow } from "../../ids/iso-now";
import { defineHandler, type HandlerFamily } from "../handler-types";

/** ping / heartbeat and the client's own pong / heartbeat_ack (accepted, no reply). */
export const heartbeatHandlers: HandlerFamily = {
  source: "heartbeat",
  handlers: [
    defineHandler({
      type: "ping",
      handler: "HeartbeatHandler.ping",
      handle: (ctx) => ctx.reply("pong", { timestamp: isoNow() }),
    }),
    defineHandler({
      type: "heartbeat",
      handler: "HeartbeatHandler.heartbeat",
      handle: (ctx) => ctx.reply("heartbeat_ack", { status: "healthy", timestamp: isoNow() }),
    }),
    defineHandler({ type: "pong", handler: "HeartbeatHandler.pong", handle: () => undefined }),
    defineHandler({ type: "heartbeat_ack", handler: "HeartbeatHandler.heartbeatAck", handle: () => undefined }),
  ],
};
