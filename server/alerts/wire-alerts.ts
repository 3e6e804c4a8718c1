import type { Cluster } from "../cluster/cluster";
import { connectRedis } from "../cluster/redis-link";
import type { Config } from "../env";
import type { Logger } from "../logger";
import type { NodeQueries } from "../operator/node-queries";
import type { RouterStats } from "../stats/router-stats";
import { AlertStore } from "../store/alert-store";
import type { Persistence } from "../store/persistence";
import { AlertEvaluator } from "./alert-evaluator";
import { type AlertLease, redisLease, SOLE_NODE } from "./alert-lease";
import { DEFAULT_ALERTS_FILE, loadAlertRules } from "./alert-rules";
import { alertText } from "./alert-text";
import { WebhookNotifier } from "./webhook-notifier";

/** The alerts of one node: the evaluator and the webhooks it notifies. */
export interface NodeAlerts {
  evaluator: AlertEvaluator;
  notifier: WebhookNotifier;
  close(): Promise<void>;
}

export interface AlertParts {
  config: Config;
  logger: Logger;
  persistence: Persistence;
  queries: NodeQueries;
  stats: RouterStats;
  cluster: Cluster | null;
}

/** Reads ALERTS_FILE before anything starts, so that a bad file stops the start with its one line. */
export function alertRules(config: Config) {
  return loadAlertRules(config.ALERTS_FILE ?? DEFAULT_ALERTS_FILE, config.ALERTS_FILE !== undefined);
}

/**
 * Starts the alerts (docs/observability.md "Alerts"): the rules, their sources on the node's parts,
 * the episodes' store, the webhooks, and in a cluster the lease through a Redis connection of its own.
 */
export async function startAlerts(p: AlertParts, rules = alertRules(p.config)): Promise<NodeAlerts> {
  const { config, logger, persistence, queries, stats, cluster } = p;
  const urls = config.ALERT_WEBHOOK_URLS.split(",")
    .map((u) => u.trim())
    .filter(Boolean);
  const notifier = new WebhookNotifier({ urls, secret: config.ALERT_WEBHOOK_SECRET || null }, logger);
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, logger) : null;
  const lease: AlertLease = redis
    ? redisLease(redis, config.REDIS_PREFIX, config.NODE_ID, Math.max(5000, 3 * config.ALERT_EVAL_MS))
    : SOLE_NODE;
  const evaluator = new AlertEvaluator({
    rules,
    lease,
    nodeId: config.NODE_ID,
    logger,
    intervalMs: config.ALERT_EVAL_MS,
    store: new AlertStore(persistence.db),
    notify: (alert) => notifier.notify(alertText(alert, config.NODE_ID), alert),
    sources: {
      counters: () => ({ node: config.NODE_ID, isolationViolations: stats.isolationViolations, traceDrops: queries.traceDrops() }),
      runTally: (since, agent, withDurations) => persistence.runTally(since, agent, withDurations),
      partsDown: async () => ((await persistence.probe()) ? 0 : 1) + (cluster && !cluster.healthy ? 1 : 0),
    },
  });
  evaluator.start();
  if (rules.length) logger.info({ rules: rules.map((r) => r.name), webhooks: urls.length }, "alerts on");
  return {
    evaluator,
    notifier,
    async close() {
      await evaluator.close();
      notifier.close();
      if (redis?.isReady) await redis.close().catch(() => redis.destroy());
      else redis?.destroy();
    },
  };
}
