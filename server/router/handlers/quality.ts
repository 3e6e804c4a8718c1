import { renderQualityReport } from "../../quality/quality-report";
import { scoreContent } from "../../quality/content-scoring";
import { defineHandler, type HandlerFamily, type RequestContext } from "../handler-types";

/** Operators see every user's runs in quality metrics; users see their own. */
const scope = (ctx: RequestContext) => (ctx.conn.role === "operator" ? null : ctx.conn.userId);

/** The quality family (formerly a router of its own): metrics, alerts, validation, reports. */
export const qualityHandlers: HandlerFamily = {
  source: "quality",
  handlers: [
    defineHandler({
      type: "get_quality_metrics",
      handler: "QualityHandler.metrics",
      handle: (ctx, p) => ctx.reply("quality_metrics", { ...ctx.services.quality.metrics(scope(ctx), p.period_hours ?? 24, p.agent_name) }),
    }),
    defineHandler({
      type: "subscribe_quality_alerts",
      handler: "QualityHandler.alerts",
      handle: (ctx, p) => {
        const { quality } = ctx.services;
        if (p.action === "subscribe") quality.subscribe(ctx.conn.userId);
        else quality.unsubscribe(ctx.conn.userId);
        ctx.reply(p.action === "subscribe" ? "quality_alerts_subscribed" : "quality_alerts_unsubscribed", {
          user_id: ctx.conn.userId,
          status: p.action === "subscribe" ? "subscribed" : "unsubscribed",
        });
      },
    }),
    defineHandler({
      type: "validate_content",
      handler: "QualityHandler.validate",
      handle: (ctx, p) => ctx.reply("content_validation_result", { ...scoreContent(p.content, p.content_type, p.strict_mode ?? false) }),
    }),
    defineHandler({
      type: "generate_quality_report",
      handler: "QualityHandler.report",
      handle: (ctx, p) => {
        const { quality, agents } = ctx.services;
        const hours = p.period_hours ?? 24;
        const who = scope(ctx);
        const metrics = quality.metrics(who, hours);
        const byAgent = agents.names().map((name) => quality.metrics(who, hours, name));
        const failures = quality.runs(who, hours).filter((r) => r.status === "failed");
        ctx.reply("quality_report_generated", {
          report: renderQualityReport(p.report_type, metrics, byAgent, failures),
          raw_data: { metrics, by_agent: byAgent },
          timestamp: new Date().toISOString(),
        });
      },
    }),
  ],
};
