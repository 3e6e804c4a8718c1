import { SwitchyardError } from "../../../contract";
import { type HistoryFetch, parseHistoryCursor, readHistoryPage } from "../../store/history-page";
import { defineHandler, type HandlerFamily } from "../handler-types";

/** A history page holds at most this many bytes of messages (one message always fits); `next_before` continues. */
export const HISTORY_PAGE_BYTES = 256 * 1024;

/** create_thread / get_thread_history. Ownership of a given thread_id is checked by the middleware. */
export const threadHandlers: HandlerFamily = {
  source: "threads",
  handlers: [
    defineHandler({
      type: "create_thread",
      handler: "ThreadHandler.create",
      handle: async (ctx, payload) => {
        const { threads } = ctx.services;
        const { record: thread, committed } = threads.create(ctx.conn.userId, payload.title);
        ctx.toUser("thread_created", { thread_id: thread.id, title: thread.title }, { thread_id: thread.id });
        // An acked thread survives a crash: the ack waits for its commit (bounded, see untilCommitted).
        await threads.untilCommitted(committed);
        return { thread_id: thread.id };
      },
    }),
    defineHandler({
      type: "get_thread_history",
      handler: "ThreadHandler.history",
      handle: async (ctx, payload) => {
        const before = payload.before === undefined ? undefined : parseHistoryCursor(payload.before);
        if (before === null) throw new SwitchyardError("INVALID_MESSAGE", "before: not a cursor this server returned (next_before)");
        const fetch: HistoryFetch = (n, cursor) => ctx.services.threads.history(payload.thread_id, n, cursor);
        const page = await readHistoryPage(fetch, payload.limit ?? 50, before, HISTORY_PAGE_BYTES);
        ctx.reply("thread_history", {
          thread_id: payload.thread_id,
          messages: page.messages.map((m) => ({
            message_id: m.id,
            role: m.role,
            content: m.content,
            run_id: m.runId ?? null,
            created_at: new Date(m.createdAt).toISOString(),
          })),
          next_before: page.nextBefore,
        });
        return { thread_id: payload.thread_id };
      },
    }),
  ],
};
