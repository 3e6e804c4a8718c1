import { defineHandler, type HandlerFamily } from "../handler-types";

/** create_thread / get_thread_history. Ownership of a given thread_id is checked by the middleware. */
export const threadHandlers: HandlerFamily = {
  source: "threads",
  handlers: [
    defineHandler({
      type: "create_thread",
      handler: "ThreadHandler.create",
      handle: (ctx, payload) => {
        const thread = ctx.services.threads.create(ctx.conn.userId, payload.title);
        ctx.toUser("thread_created", { thread_id: thread.id, title: thread.title }, { thread_id: thread.id });
        return { thread_id: thread.id };
      },
    }),
    defineHandler({
      type: "get_thread_history",
      handler: "ThreadHandler.history",
      handle: async (ctx, payload) => {
        const messages = await ctx.services.threads.history(payload.thread_id, payload.limit ?? 50);
        ctx.reply("thread_history", {
          thread_id: payload.thread_id,
          messages: messages.map((m) => ({
            message_id: m.id,
            role: m.role,
            content: m.content,
            run_id: m.runId ?? null,
            created_at: new Date(m.createdAt).toISOString(),
          })),
        });
        return { thread_id: payload.thread_id };
      },
    }),
  ],
};
