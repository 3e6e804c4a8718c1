import { defineHandler, type HandlerFamily } from "../handler-types";

/** Typing indicators: acknowledged to the sender with the state they set. */
export const typingHandlers: HandlerFamily = {
  source: "typing",
  handlers: (
    [
      ["user_typing", "typing"],
      ["typing_started", "started"],
      ["typing_stopped", "stopped"],
    ] as const
  ).map(([type, state]) =>
    defineHandler({
      type,
      handler: `TypingHandler.${type}`,
      handle: (ctx, payload) => ctx.reply("typing_acknowledged", { state, ...(payload.thread_id ? { thread_id: payload.thread_id } : {}) }),
    }),
  ),
};
