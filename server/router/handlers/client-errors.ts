import { truncate } from "../../text/unicode";
import { defineHandler, type HandlerFamily } from "../handler-types";

/** error_message from a client: counted per error code (visible in /metrics), no reply. */
export const clientErrorHandlers: HandlerFamily = {
  source: "client-errors",
  handlers: [
    defineHandler({
      type: "error_message",
      handler: "ErrorHandler.report",
      handle: (ctx, payload) => {
        const reports = ctx.services.stats.clientErrorReports;
        const code = truncate(payload.error_code, 64);
        // Bounded: a hostile client inventing codes cannot grow the map without limit.
        if (reports.has(code) || reports.size < 1000) reports.set(code, (reports.get(code) ?? 0) + 1);
        else reports.set("(other)", (reports.get("(other)") ?? 0) + 1);
      },
    }),
  ],
};
